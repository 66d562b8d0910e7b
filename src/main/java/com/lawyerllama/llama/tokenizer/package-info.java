/**
 * LLaMA tokenizers in pure Java: text to token ids and back.
 *
 * <ul>
 *   <li>{@link com.lawyerllama.llama.tokenizer.Tokenizers#load} picks a model directory's
 *       tokenizer: {@code tokenizer.json}, {@code tokenizer.model}, llama2.c's
 *       {@code tokenizer.bin} or a single {@code *.model}.</li>
 *   <li>{@link com.lawyerllama.llama.tokenizer.SentencePieceModel} reads and writes SentencePiece's
 *       protobuf {@code ModelProto} by hand ({@link com.lawyerllama.llama.tokenizer.Protobuf}).</li>
 *   <li>{@link com.lawyerllama.llama.tokenizer.SentencePieceTokenizer} encodes BPE models exactly
 *       as llama.cpp's SPM tokenizer (checked against its 46 test vectors) and unigram models by
 *       Viterbi; {@link com.lawyerllama.llama.tokenizer.BigramMerge} is the shared O(n log n)
 *       merge loop.</li>
 *   <li>{@link com.lawyerllama.llama.tokenizer.HuggingFaceBpeTokenizer} reads LLaMA-style
 *       {@code tokenizer.json}; {@link com.lawyerllama.llama.tokenizer.Tokenizers#writeTokenizerJson}
 *       writes one that encodes identically to the SentencePiece model it came from.</li>
 *   <li>{@link com.lawyerllama.llama.tokenizer.Llama2cTokenizerFile} reads llama2.c's
 *       {@code tokenizer.bin} back into SentencePiece pieces;
 *       {@link com.lawyerllama.llama.tokenizer.Tokenizers#convertLlama2c} writes them as a
 *       Hugging Face-layout tokenizer.</li>
 *   <li>{@link com.lawyerllama.llama.tokenizer.PieceDecoder} decodes, whole or streamed, never
 *       emitting half a UTF-8 character.</li>
 * </ul>
 */
package com.lawyerllama.llama.tokenizer;
