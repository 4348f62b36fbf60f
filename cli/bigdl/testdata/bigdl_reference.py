#!/usr/bin/env python3
"""An independent implementation of BigDL PPML's encrypted files (docs/bigdl.md), written from
the format description with Python `cryptography` (Debian python3-cryptography), for the tests
to exchange files with: what `ehsm bigdl` writes must read here, and what this writes the way
BigDL does must read in `ehsm bigdl`. Fernet tokens go through cryptography.fernet.Fernet, the
very call BigDL's Python kms-client tool makes.

Usage:
  bigdl_reference.py write-folder DIR KEY_TEXT EDK INPUT...   # BigDL 2.3+ folder, random IVs
  bigdl_reference.py read-folder DIR KEY_TEXT OUTPUT          # all *.cbc parts, name order
  bigdl_reference.py write-g2 KEY_TEXT INPUT OUTPUT TIME {g1,g2b,g2c}
  bigdl_reference.py write-native KEY_B64 INPUT OUTPUT
  bigdl_reference.py read-native KEY_B64 INPUT OUTPUT
  bigdl_reference.py fernet-encrypt KEY INPUT OUTPUT
  bigdl_reference.py fernet-decrypt KEY INPUT OUTPUT
Exit status 0 on success, 1 on any failure (message on stderr).
"""
import hashlib
import hmac
import os
import struct
import sys
import uuid

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

HEADER = 400


def text_keys(text, aes_len=16):
    """HMAC key = text[0,16), AES key = text[16,16+aes_len), zero-padded like Java."""
    raw = text.encode()
    if len(raw) < 16:
        raise ValueError("key text shorter than 16 characters")
    mac = raw[0:16]
    aes = raw[16:16 + aes_len].ljust(aes_len, b"\0")
    return mac, aes


def cbc_encrypt(key, iv, plain):
    padder = padding.PKCS7(128).padder()
    data = padder.update(plain) + padder.finalize()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def cbc_decrypt(key, iv, ct):
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    data = dec.update(ct) + dec.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(data) + unpadder.finalize()


def g3_stream(text, edk, plain):
    mac_key, aes_key = text_keys(text)
    iv = os.urandom(16)
    edk_bytes = edk.encode()
    header = struct.pack(">ii", len(edk_bytes), 16) + edk_bytes + iv
    header += b"\x80" * (HEADER - len(header))
    ct = cbc_encrypt(aes_key, iv, plain)
    return header + ct + hmac.new(mac_key, ct, hashlib.sha256).digest()


def g3_read(text, data):
    mac_key, aes_key = text_keys(text)
    if len(data) == 0:
        return b""
    n, iv_len = struct.unpack(">ii", data[:8])
    if iv_len != 16 or n > 376:
        raise ValueError("bad header")
    iv = data[8 + n:24 + n]
    ct, tag = data[HEADER:-32], data[-32:]
    if not hmac.compare_digest(hmac.new(mac_key, ct, hashlib.sha256).digest(), tag):
        raise ValueError("MAC mismatch")
    return cbc_decrypt(aes_key, iv, ct)


def write_folder(folder, text, edk, inputs):
    """Spark's layout: part-NNNNN-<job uuid>-c000.csv.cbc, an empty partition as 0 bytes."""
    os.makedirs(folder)
    job = uuid.uuid4()
    for i, path in enumerate(inputs):
        with open(path, "rb") as f:
            plain = f.read()
        name = "part-%05d-%s-c000.csv.cbc" % (i, job)
        with open(os.path.join(folder, name), "wb") as out:
            if plain:
                out.write(g3_stream(text, edk, plain))
    with open(os.path.join(folder, ".meta"), "w") as meta:
        meta.write('{\n  "encryptedDataKey" : "%s"\n}\n' % edk)
    open(os.path.join(folder, "_SUCCESS"), "wb").close()


def read_folder(folder, text, output):
    names = sorted(n for n in os.listdir(folder) if n.endswith(".cbc") and n[0] not in "._")
    with open(output, "wb") as out:
        for name in names:
            with open(os.path.join(folder, name), "rb") as f:
                out.write(g3_read(text, f.read()))


def write_g2(text, src, dst, when, variant):
    with open(src, "rb") as f:
        plain = f.read()
    mac_key, aes_key = text_keys(text, 32 if variant == "g2b" else 16)
    iv = os.urandom(16)
    header = b"\x80" + struct.pack(">q", when) + iv
    ct = cbc_encrypt(aes_key, iv, plain)
    covered = header + ct if variant == "g1" else ct
    with open(dst, "wb") as out:
        out.write(header + ct + hmac.new(mac_key, covered, hashlib.sha256).digest())


def b64decode_any(s):
    import base64
    return base64.b64decode(s.replace("-", "+").replace("_", "/"), validate=True)


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "write-folder":
        write_folder(args[0], args[1], args[2], args[3:])
    elif cmd == "read-folder":
        read_folder(args[0], args[1], args[2])
    elif cmd == "write-g2":
        write_g2(args[0], args[1], args[2], int(args[3]), args[4])
    elif cmd in ("write-native", "read-native"):
        key = b64decode_any(args[0])
        with open(args[1], "rb") as f:
            data = f.read()
        if cmd == "write-native":
            iv = os.urandom(16)
            result = iv + cbc_encrypt(key, iv, data)
        else:
            result = cbc_decrypt(key, data[:16], data[16:])
        with open(args[2], "wb") as out:
            out.write(result)
    elif cmd in ("fernet-encrypt", "fernet-decrypt"):
        fernet = Fernet(args[0])
        with open(args[1], "rb") as f:
            data = f.read()
        result = fernet.encrypt(data) if cmd == "fernet-encrypt" else fernet.decrypt(data)
        with open(args[2], "wb") as out:
            out.write(result)
    else:
        raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    try:
        main(sys.argv)
    except Exception as e:  # noqa: BLE001 - any failure is a test failure with its reason
        sys.stderr.write("bigdl_reference: %s: %s\n" % (type(e).__name__, e))
        sys.exit(1)
