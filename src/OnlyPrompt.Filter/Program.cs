using OnlyPrompt.Filter;

await FilterApp.Build(args).RunAsync();
