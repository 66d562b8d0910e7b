package com.lawyerllama.llama.tokenizer;

/** A tokenizer whose BOS/EOS ids (and whether BOS is added) come from a model directory's config files instead of its own file. */
final class SpecialIdsTokenizer implements Tokenizer {
    private final Tokenizer delegate;
    private final int bosId;
    private final int eosId;
    private final boolean addsBos;

    SpecialIdsTokenizer(Tokenizer delegate, int bosId, int eosId, boolean addsBos) {
        this.delegate = delegate instanceof SpecialIdsTokenizer s ? s.delegate : delegate;
        this.bosId = bosId;
        this.eosId = eosId;
        this.addsBos = addsBos;
    }

    @Override
    public boolean addsBos() {
        return addsBos;
    }

    Tokenizer delegate() {
        return delegate;
    }

    @Override
    public int[] encode(String text) {
        return delegate.encode(text);
    }

    @Override
    public String decode(int[] ids) {
        return delegate.decode(ids);
    }

    @Override
    public StreamingDecoder streamingDecoder() {
        return delegate.streamingDecoder();
    }

    @Override
    public int vocabSize() {
        return delegate.vocabSize();
    }

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public int eosId() {
        return eosId;
    }

    @Override
    public String piece(int id) {
        return delegate.piece(id);
    }

    @Override
    public String toString() {
        return delegate + " (bos " + bosId + ", eos " + eosId + ")";
    }
}
