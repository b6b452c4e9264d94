/* stub */ typedef int qcmp_stub_q4_0;
