// Drives the service's /v1 with the official OpenAI Node SDK and prints one JSON report on stdout;
// OpenAiApiTest asserts on it. Usage: node sdk-check.mjs <baseURL> <apiKey> <plainModel> <consultationModel>
import OpenAI from 'openai';

const [baseURL, apiKey, plainModel, ragModel] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 120000 });
const question = [{ role: 'user', content: '我交了定金，商家违约了，能要求双倍返还吗？' }];
const report = {};

async function streamed(params) {
  const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
  const out = { text: '', chunks: 0, role: null, finish: null, usage: null, articles: null, citations: null, objects: [] };
  for await (const chunk of stream) {
    out.chunks++;
    if (!out.objects.includes(chunk.object)) out.objects.push(chunk.object);
    if (chunk.usage) out.usage = chunk.usage;
    for (const choice of chunk.choices) {
      if (choice.delta.role) out.role = choice.delta.role;
      if (choice.delta.content) out.text += choice.delta.content;
      if (choice.delta.articles) out.articles = choice.delta.articles;
      if (choice.delta.citations) out.citations = choice.delta.citations;
      if (choice.finish_reason) out.finish = choice.finish_reason;
    }
  }
  return out;
}

async function failure(call) {
  try {
    await call();
    return { class: 'none' };
  } catch (e) {
    return {
      class: e.constructor.name, status: e.status ?? null, type: e.type ?? null, param: e.param ?? null,
      code: e.code ?? null, message: e.message ?? null, retryAfter: e.headers?.get?.('retry-after') ?? null,
    };
  }
}

const plain = await client.chat.completions.create({ model: plainModel, messages: question, max_tokens: 24, temperature: 0 });
report.plain = { object: plain.object, text: plain.choices[0].message.content, role: plain.choices[0].message.role,
  finish: plain.choices[0].finish_reason, usage: plain.usage, id: plain.id };
report.plainStreamed = await streamed({ model: plainModel, messages: question, max_tokens: 24, temperature: 0 });

report.models = [];
for await (const model of client.models.list()) report.models.push(model.id);
report.retrieved = (await client.models.retrieve(ragModel)).id;

const rag = await client.chat.completions.create({ model: ragModel, messages: question, max_tokens: 24, temperature: 0 });
report.rag = { text: rag.choices[0].message.content, finish: rag.choices[0].finish_reason, usage: rag.usage,
  articles: rag.choices[0].message.articles, citations: rag.choices[0].message.citations };
report.ragStreamed = await streamed({ model: ragModel, messages: question, max_tokens: 24, temperature: 0 });

report.badRequest = await failure(() => client.chat.completions.create({ model: plainModel, messages: question, n: 2 }));
report.notFound = await failure(() => client.chat.completions.create({ model: 'no-such-model', messages: question }));
report.modelNotFound = await failure(() => client.models.retrieve('no-such-model'));
const stranger = new OpenAI({ baseURL, apiKey: 'wrong-key', maxRetries: 0 });
report.authentication = await failure(() => stranger.chat.completions.create({ model: plainModel, messages: question }));

// Busy: one long generation holds the only slot (max-concurrency 1, queue 0); the next request is refused.
const controller = new AbortController();
const long = await client.chat.completions.create({ model: plainModel, messages: question, max_tokens: 1024,
  temperature: 1, stream: true }, { signal: controller.signal });
const reader = long[Symbol.asyncIterator]();
await reader.next();
report.rateLimit = await failure(() => client.chat.completions.create({ model: plainModel, messages: question, max_tokens: 4 }));
controller.abort();
try { while (!(await reader.next()).done) { /* drain until the abort ends it */ } } catch (e) { /* aborted */ }

console.log(JSON.stringify(report));
