"""gguf_writer.py: a minimal, independent GGUF v2/v3 writer for tests.

Written from the GGUF specification, not from qcmp's reader, so that files
it produces check the reader against a second implementation.  Tests use it
to build vocab-only files and deliberately broken ones.
"""
import struct

UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, \
    UINT64, INT64, FLOAT64 = range(13)

_SCALAR = {UINT8: '<B', INT8: '<b', UINT16: '<H', INT16: '<h', UINT32: '<I',
           INT32: '<i', FLOAT32: '<f', BOOL: '<?', UINT64: '<Q',
           INT64: '<q', FLOAT64: '<d'}

# ggml type id -> (block length, bytes per block)
TENSOR_TYPES = {0: (1, 4), 1: (1, 2), 2: (32, 18), 8: (32, 34), 30: (1, 2),
                34: (256, 54), 35: (256, 66)}


def gstr(s):
    b = s.encode('utf-8') if isinstance(s, str) else bytes(s)
    return struct.pack('<Q', len(b)) + b


def value(vtype, v):
    """Encodes one value of vtype; arrays are (elem_type, [values])."""
    if vtype == STRING:
        return gstr(v)
    if vtype == ARRAY:
        etype, items = v
        out = struct.pack('<IQ', etype, len(items))
        return out + b''.join(value(etype, x) for x in items)
    return struct.pack(_SCALAR[vtype], v)


class Writer:
    def __init__(self, version=3, alignment=32):
        self.version = version
        self.alignment = alignment
        self.kv = []        # (key, vtype, value)
        self.tensors = []   # (name, dims, ggml type, raw bytes)
        self.offsets = {}   # name -> the offset to claim (bad files)

    def add(self, key, vtype, v):
        self.kv.append((key, vtype, v))

    def add_tensor(self, name, dims, ttype, data):
        self.tensors.append((name, list(dims), ttype, bytes(data)))

    def header(self):
        """Bytes up to (not including) the alignment padding and data."""
        out = b'GGUF' + struct.pack('<I', self.version)
        out += struct.pack('<QQ', len(self.tensors), len(self.kv))
        for key, vtype, v in self.kv:
            out += gstr(key) + struct.pack('<I', vtype) + value(vtype, v)
        off = 0
        for name, dims, ttype, data in self.tensors:
            out += gstr(name) + struct.pack('<I', len(dims))
            out += b''.join(struct.pack('<Q', d) for d in dims)
            out += struct.pack('<IQ', ttype, self.offsets.get(name, off))
            off += len(data)
            off = (off + self.alignment - 1) // self.alignment * self.alignment
        return out

    def tobytes(self):
        out = self.header()
        out += b'\0' * ((-len(out)) % self.alignment)
        for _, _, _, data in self.tensors:
            out += data + b'\0' * ((-len(data)) % self.alignment)
        return out

    def write(self, path):
        with open(path, 'wb') as f:
            f.write(self.tobytes())
