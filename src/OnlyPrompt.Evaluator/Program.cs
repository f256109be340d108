using OnlyPrompt.Evaluator;

await EvaluatorApp.Build(args).RunAsync();
