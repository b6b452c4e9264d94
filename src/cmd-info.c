/* stub */ typedef int qcmp_stub_cmd_info;
