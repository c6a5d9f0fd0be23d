/**
 * LangChain4j integration: {@link dev.nextinfer.langchain4j.NextinferChatModel} and
 * {@link dev.nextinfer.langchain4j.NextinferStreamingChatModel} run a Qwen3-Next checkpoint in-process.
 * Supported parameters and behaviours are listed in the project's {@code docs/integrations.md}.
 */
package dev.nextinfer.langchain4j;
