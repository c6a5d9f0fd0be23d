/** Service-provider interfaces: builder factories that frameworks may register (LangChain4j's convention). */
package dev.nextinfer.langchain4j.spi;
