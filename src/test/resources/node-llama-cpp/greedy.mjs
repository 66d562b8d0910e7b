// Greedy decoding with llama.cpp (through node-llama-cpp's prebuilt CPU binary), as the reference
// the GGUF tests compare the engine with. Usage:
//   node greedy.mjs MODEL.gguf PROMPT NEW_TOKENS THREADS
// PROMPT is a JSON array of token ids, or text, which llama.cpp tokenizes (with BOS where the model asks for it).
// Prints one JSON line: {"prompt": [...], "tokens": [...]} (the prompt ids and the ids llama.cpp chose greedily),
// plus, with THREADS given as "bench:N", the decode speed.
import {getLlama} from "node-llama-cpp";

const [modelPath, promptJson, newTokens, threadsArg] = process.argv.slice(2);
const bench = threadsArg.startsWith("bench:");
const threads = Number(bench ? threadsArg.slice(6) : threadsArg);
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath, gpuLayers: 0});
const context = await model.createContext({contextSize: 1024, threads, batchSize: 512});
const sequence = context.getSequence();
let prompt;
if (promptJson.startsWith("[")) {
    prompt = JSON.parse(promptJson);
} else {
    const ids = Array.from(model.tokenize(promptJson, false));
    prompt = model.tokens.bos != null && model.tokens.shouldPrependBosToken ? [model.tokens.bos, ...ids] : ids;
}
const tokens = [];
let first = 0;
const start = process.hrtime.bigint();
for await (const t of sequence.evaluate(prompt, {temperature: 0})) {
    if (tokens.length === 0) {
        first = process.hrtime.bigint();
    }
    tokens.push(t);
    if (tokens.length >= Number(newTokens)) {
        break;
    }
}
const end = process.hrtime.bigint();
const result = {prompt, tokens};
if (bench) {
    result.prefillSeconds = Number(first - start) / 1e9;
    result.decodeTokensPerSecond = (tokens.length - 1) / (Number(end - first) / 1e9);
}
console.log(JSON.stringify(result));
await context.dispose();
await model.dispose();
await llama.dispose();
