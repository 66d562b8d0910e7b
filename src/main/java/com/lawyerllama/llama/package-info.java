/**
 * The LLaMA engine: a Hugging Face {@code LlamaForCausalLM} run on DJL's PyTorch engine.
 *
 * <p>Where things are:
 * <ul>
 *   <li>{@link com.lawyerllama.llama.LlamaConfig} — {@code config.json};
 *       {@link com.lawyerllama.llama.SafetensorsReader} / {@link com.lawyerllama.llama.SafetensorsWriter}
 *       — weights (F32, F16, BF16; sharded or not); {@link com.lawyerllama.llama.Checkpoints} — atomic saves,
 *       re-saving a directory at another weight type.</li>
 *   <li>{@link com.lawyerllama.llama.LlamaModel} — the forward pass, in one method, with shapes in comments:
 *       {@code logits(tokens[B,T])} for training (differentiable w.r.t. {@code parameters()}),
 *       {@code decode(tokens, KvCache)} for prefill and generation.</li>
 *   <li>{@link com.lawyerllama.llama.Llama2cImporter} — llama2.c checkpoints into the HF layout.</li>
 *   <li>GGUF (llama.cpp / Ollama): {@code llama.gguf} reads and writes the format (header, metadata, tensor
 *       infos, the block decoders of each type); {@link com.lawyerllama.llama.GgufModels} serves a {@code .gguf}
 *       file (config from metadata, Hugging Face names, dequantized at load, LLaMA q/k unpermuted);
 *       {@link com.lawyerllama.llama.GgufConversion} converts between GGUF and the HF layout.</li>
 *   <li>{@link com.lawyerllama.llama.Generator} — one sequence's decode loop; sampling in {@code Sampler};
 *       {@link com.lawyerllama.llama.GenerationOptions} — temperature, top-k/p, repetition penalty, seed, stops.</li>
 *   <li>{@link com.lawyerllama.llama.LlamaEngine} — the shared model behind a bounded queue with continuous
 *       batching ({@code BatchScheduler}); Spring AI {@code ChatModel}; wired by
 *       {@link com.lawyerllama.llama.LlamaConfiguration} from {@code lawyer.model.*}
 *       ({@link com.lawyerllama.llama.ModelProperties}), with the {@code model} health indicator.</li>
 *   <li>CLI (no Spring): {@code generate}, {@code convert}, {@code bench}.</li>
 * </ul>
 *
 * <p>Typical use:
 * <pre>
 * java -jar lawyer-llama.jar convert --from llama2c --checkpoint stories260K.bin --tokenizer tok512.bin --out models/s260k
 * java -jar lawyer-llama.jar generate --model models/s260k --prompt "Once upon a time" --temperature 0
 * java -jar lawyer-llama.jar bench --random 1.1B --threads 1 --concurrency 4
 * java -jar lawyer-llama.jar --lawyer.model.path=models/s260k        # serve it as the ChatModel
 * </pre>
 */
package com.lawyerllama.llama;
