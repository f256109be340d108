namespace OnlyPrompt.Model; public static class Placeholder {}
