/* stub */ typedef int qcmp_stub_f16;
