namespace OnlyPrompt.Model.Tokenization;

/// <summary>Whole words looked up in a vocabulary; anything else is the unknown token.</summary>
public sealed class WordLevelModel(Dictionary<string, int> vocabulary, int unknownId) : TokenizerModel(vocabulary)
{
    public override void Encode(string word, List<int> ids) =>
        ids.Add(Vocabulary.TryGetValue(word, out var id) ? id : unknownId);
}
