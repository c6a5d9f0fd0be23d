/**
 * The nextinfer Spring Boot starter has no code of its own: depending on it brings
 * {@code dev.nextinfer:nextinfer-spring-ai} (the Spring AI {@code ChatModel} and its auto-configuration), Spring
 * Boot, and Spring AI's tool-calling and {@code ChatClient} auto-configurations. Setting
 * {@code nextinfer.model.path} is then enough to inject a {@code ChatModel} or a {@code ChatClient.Builder}; the
 * {@code nextinfer.*} properties are described in the project's {@code docs/integrations.md}. The JVM needs
 * {@code --add-modules jdk.incubator.vector}.
 */
package dev.nextinfer.spring.boot.starter;
