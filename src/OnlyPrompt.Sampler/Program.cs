using OnlyPrompt.Sampler;

await SamplerApp.Build(args).RunAsync();
