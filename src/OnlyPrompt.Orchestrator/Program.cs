using OnlyPrompt.Orchestrator;

await OrchestratorApp.Build(args).RunAsync();
