/* stub */ typedef int qcmp_stub_gguf;
