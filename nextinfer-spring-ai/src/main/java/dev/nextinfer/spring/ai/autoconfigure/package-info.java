/** Spring Boot auto-configuration of nextinfer's Spring AI chat model ({@code nextinfer.*} properties). */
@NullMarked
package dev.nextinfer.spring.ai.autoconfigure;

import org.jspecify.annotations.NullMarked;
