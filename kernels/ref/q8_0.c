/* stub */ typedef int qcmp_stub_q8_0;
