// Regenerates canonical_vectors.json: random JSON texts and the strings the reference
// JavaScript canonicaliser produces for them. Run with Node.js >= 18:
//   node gen_canonical_vectors.js > canonical_vectors.json
'use strict';

// The upstream server's canonicaliser (loose `!= ''` / `!= null`, default sort, String(v)).
function canonDrop(obj) {
  let str = '';
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v != '' && v != undefined && v != null) {
      str += (str && '&') + k + '=' + (typeof v == 'object' ? canonDrop(v) : v);
    }
  }
  return str;
}

// The same, but keeping empty strings as "k=" (how the Python SDK signs).
function canonKeep(obj) {
  let str = '';
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v === '' || (v != '' && v != undefined && v != null)) {
      str += (str && '&') + k + '=' + (typeof v == 'object' ? canonKeep(v) : v);
    }
  }
  return str;
}

let seed = 0x9e3779b9;
function rand() {  // mulberry32
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rand() * a.length)];
const digits = (n) => Array.from({length: n}, () => String(Math.floor(rand() * 10))).join('');

const KEYS = ['a', 'B', 'Z', '_', 'aa', 'a_b', '0', '1', '2', '10', '', ' ', 'payload', 'keyid',
  '\u00e9', '\u00ff', '\u4e2d', '\ue000', '\uffff', '\ud83d\ude00', '\ud834\udd1e', 'z\u0000',
  'x\ud83d\ude00', 'x\uffff', 'x\u0100'];
const STRINGS = ['', ' ', '0', 'x', 'a&b=c', '=', '&', 'false', 'null', '\u00e9\ud83d\ude00',
  'line\nbreak', 'q"uote', 'back\\slash', 'EH_AES_GCM_256'];
const NUMBER_TEXTS = ['0', '-0', '0.0', '-0.0', '1', '-1', '16', '1.5', '-1.5', '1e21', '1e+21',
  '1E21', '9.99e20', '1e-7', '-1e-7', '1e-6', '0.000001', '123e-20', '1.0', '100', '1e2',
  '9007199254740993', '18446744073709551615', '18446744073709551616', '-9223372036854775808',
  '-9223372036854775809', '123456789012345678901234567890', '1e400', '-1e400', '5e-324',
  '2.2250738585072011e-308', '0.1', '0.30000000000000004', '4.963728e-18', '752.00258e-18'];

function randomNumberText() {
  switch (Math.floor(rand() * 4)) {
    case 0: return pick(NUMBER_TEXTS);
    case 1: return (rand() < 0.3 ? '-' : '') + String(1 + Math.floor(rand() * 1e6));
    case 2: {
      const n = 1 + Math.floor(rand() * 17);
      let s = String(1 + Math.floor(rand() * 9)) + digits(n - 1);
      const dot = Math.floor(rand() * (s.length + 1));
      s = dot < s.length ? s.slice(0, dot || 1) + '.' + s.slice(dot || 1) + '1' : s;
      return (rand() < 0.3 ? '-' : '') + s + (rand() < 0.6 ? 'e' + (Math.floor(rand() * 60) - 30) : '');
    }
    default: return String(Math.floor(rand() * 3));
  }
}

function randomValueText(depth) {
  const r = rand();
  if (depth > 0 && r < 0.15) return randomObjectText(depth - 1);
  if (depth > 0 && r < 0.3) {
    const n = pick([0, 0, 1, 1, 2, 3, 12]);
    return '[' + Array.from({length: n}, () => randomValueText(depth - 1)).join(',') + ']';
  }
  if (r < 0.55) return JSON.stringify(pick(STRINGS));
  if (r < 0.85) return randomNumberText();
  return pick(['true', 'false', 'null']);
}

function randomObjectText(depth) {
  const n = Math.floor(rand() * 6);
  const parts = [];
  for (let i = 0; i < n; i++) parts.push(JSON.stringify(pick(KEYS)) + ':' + randomValueText(depth));
  return '{' + parts.join(',') + '}';
}

const cases = [];
for (let i = 0; i < 400; i++) {
  const text = randomObjectText(3);
  const obj = JSON.parse(text);
  cases.push({input: text, drop: canonDrop(obj), keep: canonKeep(obj)});
}
process.stdout.write(JSON.stringify({generator: 'gen_canonical_vectors.js', cases}, null, 1) + '\n');
