using OnlyPrompt.Trainer;

await TrainerApp.Build(args).RunAsync();
