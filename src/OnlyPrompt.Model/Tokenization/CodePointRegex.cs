using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace OnlyPrompt.Model.Tokenization;

/// <summary>
/// A regular expression matched over code points, as Rust's and JavaScript's <c>u</c>-mode engines do for
/// tokenizer patterns. .NET matches UTF-16 units, so a character outside the BMP (𓀀, a letter) would be two
/// surrogates that <c>\p{L}</c> misses. Each such character is matched as a stand-in from the BMP of the same
/// Unicode category, which tokenizer patterns (category classes and ASCII literals) cannot tell apart from it.
/// </summary>
public sealed class CodePointRegex(Regex regex)
{
    private static readonly Dictionary<UnicodeCategory, char> StandIns = Enumerable.Range(0xA0, 0xD800 - 0xA0)
        .Select(c => (char)c)
        .GroupBy(CharUnicodeInfo.GetUnicodeCategory)
        .ToDictionary(g => g.Key, g => g.First());

    public Regex Regex => regex;

    /// <summary>The (index, length) of each non-empty match in <paramref name="text"/>, in UTF-16 units of the original text.</summary>
    public IEnumerable<(int Index, int Length)> Matches(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF'))
            return regex.Matches(text).Where(m => m.Length > 0).Select(m => (m.Index, m.Length));
        var proxy = new StringBuilder(text.Length);
        var originalIndex = new List<int>(text.Length + 1);
        for (var i = 0; i < text.Length; i++)
        {
            originalIndex.Add(i);
            if (char.IsSurrogatePair(text, i))
            {
                var category = CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text, i));
                proxy.Append(StandIns.GetValueOrDefault(category, '\uE000'));
                i++;
            }
            else
                proxy.Append(text[i]);
        }
        originalIndex.Add(text.Length);
        return regex.Matches(proxy.ToString()).Where(m => m.Length > 0)
            .Select(m => (originalIndex[m.Index], originalIndex[m.Index + m.Length] - originalIndex[m.Index]))
            .ToList();
    }
}
