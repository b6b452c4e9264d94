/* stub */ typedef int qcmp_stub_llama2c;
