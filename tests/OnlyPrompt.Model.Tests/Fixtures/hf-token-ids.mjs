// Prints the token ids that Hugging Face's tokenizer implementation (the transformers.js port in
// @lenml/tokenizers) gives for each text read as a JSON array from stdin.
// Usage: node hf-token-ids.mjs TOKENIZER_JSON [TOKENIZER_CONFIG_JSON] [--add-special-tokens]
import { readFileSync } from "node:fs";
import { TokenizerLoader } from "@lenml/tokenizers";

const args = process.argv.slice(2);
const addSpecialTokens = args.includes("--add-special-tokens");
const [tokenizerPath, configPath] = args.filter((a) => !a.startsWith("--"));
const tokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: JSON.parse(readFileSync(tokenizerPath, "utf8")),
  tokenizerConfig: configPath ? JSON.parse(readFileSync(configPath, "utf8")) : {},
});
const texts = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(texts.map((t) => tokenizer.encode(t, { add_special_tokens: addSpecialTokens }))));
