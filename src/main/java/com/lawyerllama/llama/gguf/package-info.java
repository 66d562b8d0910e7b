/**
 * The GGUF file format on its own (no model semantics): {@link com.lawyerllama.llama.gguf.GgufFile} reads the
 * header, metadata and tensor infos and dequantizes tensors a mapped piece at a time;
 * {@link com.lawyerllama.llama.gguf.GgmlType} lists ggml's types with their block sizes, and
 * {@code BlockDecoders} holds one small decoder per supported type;
 * {@link com.lawyerllama.llama.gguf.GgufWriter} writes GGUF v3 (F32, F16, Q8_0, Q4_K). It depends on nothing
 * else in the project; {@code llama} and {@code llama.tokenizer} build models and tokenizers from it.
 */
package com.lawyerllama.llama.gguf;
