namespace OnlyPrompt.Worlds;

public enum TaskFamily
{
    /// <summary>"sort : 7 2 9" -> "2 7 9"</summary>
    Sort,
    /// <summary>"alphabetize : d a c" -> "a c d" (letters a to l)</summary>
    Alphabetize,
    /// <summary>"dedupe : 3 1 3 2" -> "1 2 3" (the distinct digits, sorted)</summary>
    Dedupe,
    /// <summary>"max : 3 8 1" -> "8"</summary>
    Max,
    /// <summary>"reverse : c a t" -> "t a c"</summary>
    Reverse,
    /// <summary>"add : 2 3 + 4 5" -> "6 8" (numbers written digit by digit)</summary>
    Add,
    /// <summary>"count b in : a b b c" -> "2"</summary>
    Count,
    /// <summary>"shift : a b z" -> "b c a" (each letter to the next, z wraps to a)</summary>
    Shift,

    // The second world's families (TaskGenerator.SecondWorldFamilies).

    /// <summary>"descend : 7 2 9" -> "9 7 2"</summary>
    Descend,
    /// <summary>"evens : 7 2 9 4" -> "2 4" (the even digits, in their order)</summary>
    Evens,
    /// <summary>"first seen : c a c b a" -> "c a b" (each letter once, where it first appears; letters a to h)</summary>
    FirstSeen,
    /// <summary>"alternate : a b c d e" -> "a c e" (every other word from the first)</summary>
    Alternate,
}
