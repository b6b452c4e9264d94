/* stub */ typedef int qcmp_stub_tok_spm;
