/* stub */ typedef int qcmp_stub_tq1_0;
