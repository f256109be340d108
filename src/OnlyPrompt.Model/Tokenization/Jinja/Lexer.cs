using System.Globalization;
using System.Text;

namespace OnlyPrompt.Model.Tokenization.Jinja;

public enum TokenKind { Text, OutputStart, OutputEnd, StatementStart, StatementEnd, Name, String, Integer, Float, Operator, End }

public sealed record Token(TokenKind Kind, string Value, Position Position);

/// <summary>
/// Splits a template into text and tag tokens, with Hugging Face's settings for chat templates: <c>trim_blocks</c>
/// (the newline after a block tag goes) and <c>lstrip_blocks</c> (spaces before a block tag on its line go), plus
/// the <c>-</c> whitespace control of each tag. Comments are dropped.
/// </summary>
public sealed class Lexer(string text, string source)
{
    private static readonly string[] Operators =
        ["**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"];

    private readonly List<Token> tokens = [];
    private int index;

    public List<Token> Tokenize()
    {
        var trimNextText = false;  // a "-" on the previous tag's end
        var dropNewline = false;   // trim_blocks after a block tag or comment
        while (index < text.Length)
        {
            var start = FindTagStart(index);
            var raw = text[index..(start < 0 ? text.Length : start)];
            var startsLine = index == 0;
            if (dropNewline && (raw.StartsWith('\n') || raw.StartsWith("\r\n", StringComparison.Ordinal)))
                (raw, startsLine) = (raw[(raw[0] == '\r' ? 2 : 1)..], true);
            if (trimNextText)
                raw = raw.TrimStart();
            if (start < 0)
            {
                AddText(raw, index);
                break;
            }
            var opener = text.Substring(start, 2);
            var control = start + 2 < text.Length ? text[start + 2] : '\0';
            if (control == '-')
                raw = raw.TrimEnd();
            else if (opener != "{{" && control != '+')
                raw = StripLineIndent(raw, startsLine);
            AddText(raw, index);
            index = start + 2 + (control is '-' or '+' ? 1 : 0);
            (trimNextText, dropNewline) = opener switch
            {
                "{#" => SkipComment(start),
                "{{" => ReadTag(TokenKind.OutputStart, TokenKind.OutputEnd, "}}", start),
                _ => ReadTag(TokenKind.StatementStart, TokenKind.StatementEnd, "%}", start),
            };
        }
        tokens.Add(new Token(TokenKind.End, "", PositionOf(text.Length)));
        return tokens;
    }

    private int FindTagStart(int from)
    {
        for (var i = text.IndexOf('{', from); i >= 0 && i + 1 < text.Length; i = text.IndexOf('{', i + 1))
            if (text[i + 1] is '{' or '%' or '#')
                return i;
        return -1;
    }

    // lstrip_blocks: spaces and tabs between the start of a line and a block tag are removed (not after another tag on that line).
    private static string StripLineIndent(string raw, bool startsLine)
    {
        var newline = raw.LastIndexOf('\n');
        if (newline < 0 && !startsLine)
            return raw;
        var lineStart = newline + 1;
        return raw.AsSpan(lineStart).Trim(" \t").IsEmpty ? raw[..lineStart] : raw;
    }

    private void AddText(string raw, int at)
    {
        if (raw.Length > 0)
            tokens.Add(new Token(TokenKind.Text, raw, PositionOf(at)));
    }

    private (bool TrimNext, bool DropNewline) SkipComment(int start)
    {
        var end = text.IndexOf("#}", index, StringComparison.Ordinal);
        if (end < 0)
            throw JinjaException.At(source, PositionOf(start), "comment '{#' is never closed with '#}'.");
        var trim = end > index && text[end - 1] == '-';
        index = end + 2;
        return (trim, !trim);
    }

    private (bool TrimNext, bool DropNewline) ReadTag(TokenKind open, TokenKind close, string closer, int start)
    {
        tokens.Add(new Token(open, "", PositionOf(start)));
        while (true)
        {
            while (index < text.Length && char.IsWhiteSpace(text[index]))
                index++;
            if (index >= text.Length)
                throw JinjaException.At(source, PositionOf(start), $"tag is never closed with '{closer}'.");
            if (text[index] == '-' && string.CompareOrdinal(text, index + 1, closer, 0, 2) == 0)
            {
                tokens.Add(new Token(close, "", PositionOf(index)));
                index += 3;
                return (true, false);
            }
            if (string.CompareOrdinal(text, index, closer, 0, 2) == 0)
            {
                tokens.Add(new Token(close, "", PositionOf(index)));
                index += 2;
                return (false, close == TokenKind.StatementEnd);
            }
            tokens.Add(ReadExpressionToken());
        }
    }

    private Token ReadExpressionToken()
    {
        var position = PositionOf(index);
        var c = text[index];
        if (c is '"' or '\'')
            return new Token(TokenKind.String, ReadString(c, position), position);
        if (char.IsAsciiDigit(c))
        {
            var start = index;
            while (index < text.Length && (char.IsAsciiDigit(text[index]) || text[index] == '_'))
                index++;
            var isFloat = index + 1 < text.Length && text[index] == '.' && char.IsAsciiDigit(text[index + 1]);
            if (isFloat)
                for (index++; index < text.Length && char.IsAsciiDigit(text[index]); index++) { }
            var literal = text[start..index].Replace("_", "", StringComparison.Ordinal);
            return new Token(isFloat ? TokenKind.Float : TokenKind.Integer, literal, position);
        }
        if (char.IsLetter(c) || c == '_')
        {
            var start = index;
            while (index < text.Length && (char.IsLetterOrDigit(text[index]) || text[index] == '_'))
                index++;
            return new Token(TokenKind.Name, text[start..index], position);
        }
        foreach (var op in Operators)
            if (string.CompareOrdinal(text, index, op, 0, op.Length) == 0)
            {
                index += op.Length;
                return new Token(TokenKind.Operator, op, position);
            }
        throw JinjaException.At(source, position, $"unexpected character '{c}'.");
    }

    private string ReadString(char quote, Position position)
    {
        var value = new StringBuilder();
        for (index++; index < text.Length; index++)
        {
            var c = text[index];
            if (c == quote)
            {
                index++;
                return value.ToString();
            }
            if (c != '\\' || index + 1 >= text.Length)
            {
                value.Append(c);
                continue;
            }
            var escaped = text[++index];
            switch (escaped)
            {
                case 'n': value.Append('\n'); break;
                case 't': value.Append('\t'); break;
                case 'r': value.Append('\r'); break;
                case 'b': value.Append('\b'); break;
                case 'f': value.Append('\f'); break;
                case '0': value.Append('\0'); break;
                case '\\' or '\'' or '"': value.Append(escaped); break;
                case '\n': break;
                case 'x' or 'u' or 'U':
                    var digits = escaped switch { 'x' => 2, 'u' => 4, _ => 8 };
                    if (index + digits >= text.Length
                        || !int.TryParse(text.AsSpan(index + 1, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                        throw JinjaException.At(source, PositionOf(index), $"bad \\{escaped} escape in a string.");
                    value.Append(char.ConvertFromUtf32(code));
                    index += digits;
                    break;
                default: value.Append('\\').Append(escaped); break;
            }
        }
        throw JinjaException.At(source, position, "string is never closed.");
    }

    private int[]? lineStarts;

    private Position PositionOf(int offset)
    {
        lineStarts ??= [0, .. text.Select((c, i) => (c, i)).Where(p => p.c == '\n').Select(p => p.i + 1)];
        var line = Array.BinarySearch(lineStarts, offset);
        line = line >= 0 ? line : ~line - 1;
        return new Position(line + 1, offset - lineStarts[line] + 1);
    }
}
