// Writes a Parquet file with hyparquet-writer (an implementation independent of the one OnlyPrompt reads with), in
// the layout pyarrow gives Hugging Face datasets: lists of structs for conversations, lists of strings for turns.
// Reads {path, columns: {name: "string"|"double"|"int64"|"messages"|"strings"}, rows: [...]} from stdin.
import { readFileSync } from "node:fs";
import { parquetWriteFile } from "hyparquet-writer";

const { path, columns, rows } = JSON.parse(readFileSync(0, "utf8"));
const schema = [{ name: "root", num_children: Object.keys(columns).length }];
const leaf = (name, type) => ({ name, repetition_type: "OPTIONAL", ...type });
const STRING = { type: "BYTE_ARRAY", converted_type: "UTF8" };
for (const [name, type] of Object.entries(columns)) {
  if (type === "string") schema.push(leaf(name, STRING));
  else if (type === "double") schema.push(leaf(name, { type: "DOUBLE" }));
  else if (type === "int64") schema.push(leaf(name, { type: "INT64" }));
  else if (type === "strings")
    schema.push(
      { name, repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      leaf("element", STRING),
    );
  else if (type === "messages")
    schema.push(
      { name, repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { name: "element", repetition_type: "OPTIONAL", num_children: 2 },
      leaf("content", STRING),
      leaf("role", STRING),
    );
  else throw new Error(`unknown column type ${type}`);
}
const columnData = Object.entries(columns).map(([name, type]) => ({
  name,
  data: rows.map((r) => {
    const v = r[name];
    if (v === undefined || v === null) return null;
    if (type === "int64") return BigInt(v);
    if (type === "double" && typeof v === "string") return Number(v); // "NaN", "Infinity": non-finite scores for the tests
    return v;
  }),
}));
parquetWriteFile({ filename: path, columnData, schema, rowGroupSize: 2 });
