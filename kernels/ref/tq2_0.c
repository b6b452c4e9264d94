/* stub */ typedef int qcmp_stub_tq2_0;
