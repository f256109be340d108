// Renders a chat template with Hugging Face's JavaScript Jinja (@huggingface/jinja, as transformers.js and the Hub
// use it) for each context of a JSON object {template, contexts} read from stdin. Prints one {text} or {error} each.
import { readFileSync } from "node:fs";
import { Template } from "@huggingface/jinja";

const { template, contexts } = JSON.parse(readFileSync(0, "utf8"));
const compiled = new Template(template);
const results = contexts.map((context) => {
  try {
    return { text: compiled.render(context) };
  } catch (e) {
    return { error: String(e?.message ?? e) };
  }
});
process.stdout.write(JSON.stringify(results));
