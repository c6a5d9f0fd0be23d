/**
 * Spring AI integration: {@link dev.nextinfer.spring.ai.NextinferChatModel} (call and stream) and
 * {@link dev.nextinfer.spring.ai.NextinferChatOptions}. Supported options and behaviours are listed in the
 * project's {@code docs/integrations.md}.
 */
@NullMarked
package dev.nextinfer.spring.ai;

import org.jspecify.annotations.NullMarked;
