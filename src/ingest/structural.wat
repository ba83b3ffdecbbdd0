;; The CSV tokenizer's fast path (src/ingest/structural.ts): finds the structural bytes of a chunk —
;; delimiters and line breaks outside quoted fields — 64 bytes at a time with SIMD compares, the
;; way simdjson and simdcsv do. Build: `node scripts/build-wasm.mjs` (wabt) writes the bytes to
;; src/ingest/structural-wasm.ts; a test checks they are this file's.
;;
;; scan(start, n, delim, out): the data is memory[start, n), starting at a record's start, with a
;; line feed at memory[n] (a sentinel: a closing quote as the last byte is then followed by a
;; field's end) and 63 more readable bytes (whatever they hold). It writes the structural bytes'
;; positions, in order, as i32s from `out`, each tagged: bit 31 when it is a line break (CR or LF),
;; bit 30 when the byte before it is a closing quote (its field was quoted), bit 29 when its field
;; holds a doubled quote or a line break. It returns how many, or −1 when a quote is out of the
;; common way — an opening quote that does not start a field, or a closing quote followed by
;; something other than a field's end or another quote ("") — which the JavaScript tokenizer then
;; handles (a quote inside an unquoted field is text; text after a closing quote is an error).
;;
;; Inside quotes: the prefix XOR of the quote mask (a bit is set from an opening quote up to its
;; closing quote, which ends it), carried from block to block. A doubled quote "" inside a quoted
;; field closes and reopens it, so it stays inside.
(module
  ;; made by structural.ts, large enough for the data and a window's positions: never grown (a grown
  ;; memory detaches its old buffer, and one detached buffer slows every typed array access in V8)
  (import "js" "memory" (memory 1))
  (func (export "scan") (param $start i32) (param $n i32) (param $delim i32) (param $out i32) (result i32)
    (local $base i32) (local $left i32) (local $k i32)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local $vquote v128) (local $vdelim v128) (local $vlf v128) (local $vcr v128)
    ;; per block: quotes, line breaks, structural bytes (quoted or not), inside quotes, opening and closing quotes
    (local $q i64) (local $breaks i64) (local $s i64) (local $in i64) (local $open i64) (local $close i64)
    (local $valid i64) (local $emit i64) (local $afterQuote i64) (local $special i64) (local $low i64) (local $upTo i64)
    ;; carried to the next block: all ones when its first byte is inside quotes; whether the last
    ;; byte was a field's end or a closing quote (1 at the start: the data starts a field); whether
    ;; it was a closing quote; what went wrong so far; whether the field going on holds a doubled quote
    ;; or a line break
    (local $carryIn i64) (local $prevEnd i64) (local $prevClose i64) (local $bad i64) (local $carrySpecial i32)
    (local.set $vquote (i8x16.splat (i32.const 34)))
    (local.set $vdelim (i8x16.splat (local.get $delim)))
    (local.set $vlf (i8x16.splat (i32.const 10)))
    (local.set $vcr (i8x16.splat (i32.const 13)))
    (local.set $prevEnd (i64.const 1))
    (local.set $base (local.get $start))
    (local.set $k (local.get $out))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $base) (local.get $n)))
        (local.set $a (v128.load (local.get $base)))
        (local.set $b (v128.load offset=16 (local.get $base)))
        (local.set $c (v128.load offset=32 (local.get $base)))
        (local.set $d (v128.load offset=48 (local.get $base)))
        ;; the block's quotes, line breaks (CR or LF) and structural bytes (quoted or not), as bit masks
        (local.set $q (i64.or (i64.or
            (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $a) (local.get $vquote))))
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $b) (local.get $vquote)))) (i64.const 16)))
          (i64.or
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $c) (local.get $vquote)))) (i64.const 32))
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $d) (local.get $vquote)))) (i64.const 48)))))
        (local.set $breaks (i64.or (i64.or
            (i64.extend_i32_u (i8x16.bitmask (v128.or (i8x16.eq (local.get $a) (local.get $vlf)) (i8x16.eq (local.get $a) (local.get $vcr)))))
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (v128.or (i8x16.eq (local.get $b) (local.get $vlf)) (i8x16.eq (local.get $b) (local.get $vcr))))) (i64.const 16)))
          (i64.or
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (v128.or (i8x16.eq (local.get $c) (local.get $vlf)) (i8x16.eq (local.get $c) (local.get $vcr))))) (i64.const 32))
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (v128.or (i8x16.eq (local.get $d) (local.get $vlf)) (i8x16.eq (local.get $d) (local.get $vcr))))) (i64.const 48)))))
        (local.set $s (i64.or (local.get $breaks) (i64.or (i64.or
            (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $a) (local.get $vdelim))))
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $b) (local.get $vdelim)))) (i64.const 16)))
          (i64.or
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $c) (local.get $vdelim)))) (i64.const 32))
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $d) (local.get $vdelim)))) (i64.const 48))))))
        (local.set $in (local.get $q))
        (local.set $in (i64.xor (local.get $in) (i64.shl (local.get $in) (i64.const 1))))
        (local.set $in (i64.xor (local.get $in) (i64.shl (local.get $in) (i64.const 2))))
        (local.set $in (i64.xor (local.get $in) (i64.shl (local.get $in) (i64.const 4))))
        (local.set $in (i64.xor (local.get $in) (i64.shl (local.get $in) (i64.const 8))))
        (local.set $in (i64.xor (local.get $in) (i64.shl (local.get $in) (i64.const 16))))
        (local.set $in (i64.xor (local.get $in) (i64.shl (local.get $in) (i64.const 32))))
        (local.set $in (i64.xor (local.get $in) (local.get $carryIn)))
        (local.set $carryIn (i64.shr_s (local.get $in) (i64.const 63)))
        (local.set $open (i64.and (local.get $q) (local.get $in)))
        (local.set $close (i64.and (local.get $q) (i64.xor (local.get $in) (i64.const -1))))
        ;; the bytes of the data in this block (the last block may hold fewer than 64)
        (local.set $left (i32.sub (local.get $n) (local.get $base)))
        (local.set $valid (if (result i64) (i32.ge_u (local.get $left) (i32.const 64))
          (then (i64.const -1))
          (else (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $left))) (i64.const 1)))))
        ;; an opening quote right after a field's end (or the data's start) or a closing quote
        (local.set $bad (i64.or (local.get $bad) (i64.and (i64.and (local.get $open) (local.get $valid))
          (i64.xor (i64.or (i64.shl (i64.or (local.get $s) (local.get $close)) (i64.const 1)) (local.get $prevEnd)) (i64.const -1)))))
        ;; a closing quote right before a field's end or a quote: bits 0 to 62 here, bit 63 with the next block
        (local.set $bad (i64.or (local.get $bad) (i64.and (i64.and (local.get $close) (local.get $valid))
          (i64.and (i64.xor (i64.shr_u (i64.or (local.get $s) (local.get $q)) (i64.const 1)) (i64.const -1)) (i64.const 0x7fffffffffffffff)))))
        (local.set $bad (i64.or (local.get $bad) (i64.and (i64.and (local.get $prevClose) (i64.const 1))
          (i64.xor (i64.or (local.get $s) (local.get $q)) (i64.const -1)))))
        (local.set $afterQuote (i64.or (i64.shl (local.get $close) (i64.const 1)) (local.get $prevClose)))
        ;; what a quoted field's bytes must be looked at for: the second quote of a pair, a line break
        (local.set $special (i64.and (local.get $valid) (i64.or (i64.and (local.get $open) (local.get $afterQuote))
          (i64.and (local.get $breaks) (local.get $in)))))
        (local.set $prevEnd (i64.shr_u (i64.or (local.get $s) (local.get $close)) (i64.const 63)))
        (local.set $prevClose (i64.shr_u (local.get $close) (i64.const 63)))
        (local.set $emit (i64.and (i64.and (local.get $s) (i64.xor (local.get $in) (i64.const -1))) (local.get $valid)))
        (block $emitted
          (loop $each
            (br_if $emitted (i64.eqz (local.get $emit)))
            (local.set $low (i64.and (local.get $emit) (i64.sub (i64.const 0) (local.get $emit))))
            (local.set $upTo (i64.or (local.get $low) (i64.sub (local.get $low) (i64.const 1))))
            (i32.store (local.get $k)
              (i32.or
                (i32.add (local.get $base) (i32.wrap_i64 (i64.ctz (local.get $emit))))
                (i32.or
                  (select (i32.const 0x80000000) (i32.const 0) (i64.ne (i64.and (local.get $low) (local.get $breaks)) (i64.const 0)))
                  (i32.or
                    (select (i32.const 0x40000000) (i32.const 0) (i64.ne (i64.and (local.get $low) (local.get $afterQuote)) (i64.const 0)))
                    (select (i32.const 0x20000000) (i32.const 0)
                      (i32.or (local.get $carrySpecial) (i64.ne (i64.and (local.get $special) (local.get $upTo)) (i64.const 0))))))))
            (local.set $special (i64.and (local.get $special) (i64.xor (local.get $upTo) (i64.const -1))))
            (local.set $carrySpecial (i32.const 0))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (local.set $emit (i64.xor (local.get $emit) (local.get $low)))
            (br $each)))
        (local.set $carrySpecial (i32.or (local.get $carrySpecial) (i64.ne (local.get $special) (i64.const 0))))
        (local.set $base (i32.add (local.get $base) (i32.const 64)))
        (br $blocks)))
    (if (i64.ne (local.get $bad) (i64.const 0)) (then (return (i32.const -1))))
    (i32.shr_u (i32.sub (local.get $k) (local.get $out)) (i32.const 2)))
)
