// Prints what Hugging Face's tokenizer implementation (the transformers.js port in @lenml/tokenizers) gives
// for each item of a JSON array read from stdin: token ids for texts, or with --decode, texts for id lists.
// Usage: node hf-token-ids.mjs TOKENIZER_JSON [TOKENIZER_CONFIG_JSON] [--add-special-tokens] [--decode]
import { readFileSync } from "node:fs";
import { TokenizerLoader } from "@lenml/tokenizers";

const args = process.argv.slice(2);
const addSpecialTokens = args.includes("--add-special-tokens");
const decode = args.includes("--decode");
const [tokenizerPath, configPath] = args.filter((a) => !a.startsWith("--"));
const tokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: JSON.parse(readFileSync(tokenizerPath, "utf8")),
  tokenizerConfig: configPath ? JSON.parse(readFileSync(configPath, "utf8")) : {},
});
const items = JSON.parse(readFileSync(0, "utf8"));
const results = decode
  ? items.map((ids) => (ids.length === 0 ? "" : tokenizer.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false })))
  : items.map((t) => tokenizer.encode(t, { add_special_tokens: addSpecialTokens }));
process.stdout.write(JSON.stringify(results));
