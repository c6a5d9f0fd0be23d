package dev.nextinfer.langchain4j;

import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.nextinfer.core.ChatOptions;
import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.NextInferException;

/**
 * A LangChain4j {@code ChatRequest} (its parameters already merged with the model's defaults) → a {@link Turn}:
 * messages, tools, the thinking switch and the generation config. Parameters left null keep the checkpoint's
 * recommended sampling ({@code generation_config.json}).
 */
final class RequestMapper {
    private RequestMapper() {
    }

    /**
     * @param base the checkpoint's generation defaults
     * @throws UnsupportedFeatureException for {@code toolChoice(REQUIRED)} and JSON response formats
     * @throws InvalidRequestException     for a value the engine refuses (e.g. {@code topP} 0)
     */
    static Turn toTurn(ChatRequest request, GenerationConfig base) {
        ChatRequestParameters p = request.parameters();
        if (p.toolChoice() == ToolChoice.REQUIRED) {
            throw new UnsupportedFeatureException("nextinfer has no constrained decoding: toolChoice REQUIRED cannot be"
                    + " guaranteed (AUTO and NONE are supported)");
        }
        if (p.responseFormat() != null && p.responseFormat().type() == ResponseFormatType.JSON) {
            throw new UnsupportedFeatureException("nextinfer has no constrained decoding: JSON response formats are not"
                    + " supported (ask for JSON in the prompt instead)");
        }
        ChatOptions.Builder options = ChatOptions.builder();
        if (p.toolChoice() != ToolChoice.NONE && p.toolSpecifications() != null && !p.toolSpecifications().isEmpty()) {
            options.tools(ToolMapper.toTemplateTools(p.toolSpecifications()));
        }
        if (p instanceof NextinferChatRequestParameters n) {
            options.enableThinking(n.enableThinking());
        }
        return new Turn(MessageMapper.toEngine(request.messages()), options.build(), config(p, base),
                p.maxOutputTokens() == null);
    }

    static GenerationConfig config(ChatRequestParameters p, GenerationConfig base) {
        GenerationConfig.Builder b = base.toBuilder();
        if (p.temperature() != null) {
            b.temperature(p.temperature());
        }
        if (p.topP() != null) {
            b.topP(p.topP());
        }
        if (p.topK() != null) {
            b.topK(p.topK());
        }
        if (p.frequencyPenalty() != null) {
            b.frequencyPenalty(p.frequencyPenalty());
        }
        if (p.presencePenalty() != null) {
            b.presencePenalty(p.presencePenalty());
        }
        if (p.maxOutputTokens() != null) {
            b.maxTokens(p.maxOutputTokens());
        }
        if (p.stopSequences() != null && !p.stopSequences().isEmpty()) {
            b.stopStrings(p.stopSequences());
        }
        if (p instanceof NextinferChatRequestParameters n) {
            if (n.seed() != null) {
                b.seed(n.seed());
            }
            if (n.minP() != null) {
                b.minP(n.minP());
            }
            if (n.repetitionPenalty() != null) {
                b.repetitionPenalty(n.repetitionPenalty());
            }
            if (n.mtpDraftTokens() != null) {
                b.mtpDraftTokens(n.mtpDraftTokens());
            }
        }
        try {
            return b.build();
        } catch (NextInferException e) {
            throw new InvalidRequestException(e.getMessage(), e);
        }
    }
}
