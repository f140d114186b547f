#!/usr/bin/env bash
# One batch on the GPU machine (../shared/device/README.md), from the repository
# root of the copy the device tool makes; what docs/PERFORMANCE.md reports.
#   benchmarks/device/h200.sh [devices] [checks] [ops] [8b] [lora] [quant] [demo-peer] [quant-kernels] [peer-quant] [serve] [cpu] [cpu-peer] [gpu-now] [gptq-awq] [sweep-quant] [cpu-sweep] [prefill]   (default: all but the last five)
# BIN: the binaries built on the development machine (vkllm, test_runtime,
# test_ops, test_forward, test_generate, test_lora, vkllm-bench-ops); DATA: ../shared's
# fixtures, fixtures-lora, tokenizers, models and tools; DEBS: Debian packages to unpack first
# (the Vulkan loader and validation layers the machine lacks). Results go to $OUT.
set -u
BIN=${BIN:-.gpubin} DATA=${DATA:-.gpudata} DEBS=${DEBS:-.gl} OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
if [ -d "$DEBS" ]; then
  for f in "$DEBS"/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
export VKLLM_TEST_DATA=$PWD/$DATA VKLLM_DEMO_MODEL=$PWD/models/demo VKLLM_REQUIRE_TEST_DATA=1
parts=${*:-devices checks ops 8b lora quant demo-peer peer-quant serve cpu cpu-peer}
has() { [[ " $parts " == *" $1 "* ]]; }

if has devices; then
  echo "== vkllm devices"
  "$BIN"/vkllm devices
  "$BIN"/vkllm devices --json > "$OUT"/devices.json
fi

if has checks; then
  # Validation layer on; the fixture measures go to JSON (gtest properties).
  for t in test_runtime test_ops test_forward test_generate test_lora; do
    echo "== $t"
    VKLLM_VALIDATION=1 "$BIN"/$t --gtest_output=json:"$OUT"/$t.json 2>&1 | grep -E "^\[  (PASSED|FAILED|SKIPPED) |FAILED  \]" | head -20
  done
  "$BIN"/vkllm run --temp 0 -n 60 -p "Once upon a time, there was a little" 2>&1 | tail -3
fi

if has ops; then
  echo "== op harness perf mode"
  "$BIN"/vkllm-bench-ops 2>&1 | tee "$OUT"/bench_ops.txt | grep -E -i "ceiling|matmul|matvec bf16" | head -40
fi

if has 8b; then
  (cd "$DATA" && python3 make_random_model.py models/llama-3.1-8b/config.json /tmp/l8b > /dev/null 2>&1)
  ids=$(python3 -c "import random;random.seed(0);print(','.join(str(random.randrange(1000,120000)) for _ in range(512)))")
  echo "== vkllm bench"
  "$BIN"/vkllm bench -m /tmp/l8b -p 512 -n 128 -r 3 | tee "$OUT"/bench.txt
  "$BIN"/vkllm bench -m /tmp/l8b -p 512 -n 128 -r 3 --json > "$OUT"/bench.json
  python3 -c "import json;t=json.load(open('$OUT/bench.json'));print({k:t[k] for k in ['prefill_tok_s','decode_tok_s','decode_gb_s','decode_fraction_of_ceiling']})"
  echo "== vkllm run"
  for i in 1 2 3; do
    "$BIN"/vkllm run -m /tmp/l8b --prompt-ids "$ids" -n 128 --temp 0 --ignore-eos --json > "$OUT"/run$i.json
    python3 -c "import json;t=json.load(open('$OUT/run$i.json'))['timings'];print({k:round(v,3) for k,v in t.items()})"
  done
  echo "== decode profile"
  "$BIN"/vkllm bench -m /tmp/l8b -p 512 -n 16 -r 1 --profile 2>&1 | tail -12
  echo "== prefill profile"
  "$BIN"/vkllm bench -m /tmp/l8b -p 512 -n 0 -r 1 --profile 2>&1 | tail -16
  echo "== transformers"
  python3 "$DATA"/hf_baseline.py /tmp/l8b --prompt 512 --gen 128 --reps 3 --static 2>&1 | grep -v -i warn | tail -3
  python3 "$DATA"/hf_baseline.py /tmp/l8b --prompt 512 --gen 128 --reps 3 2>&1 | grep -v -i warn | tail -3
fi

if has lora; then
  # An r=16 adapter on every projection of the 8B-shaped folder: merged (the
  # base's speed) and applied at run time (two small products per projection).
  [ -d /tmp/l8b ] || (cd "$DATA" && python3 make_random_model.py models/llama-3.1-8b/config.json /tmp/l8b > /dev/null 2>&1)
  python3 benchmarks/device/make_lora_adapter.py /tmp/l8b /tmp/l8b-lora16 --rank 16
  for merge in base yes no; do
    flags="--lora /tmp/l8b-lora16 --lora-merge $merge"
    [ $merge = base ] && flags=""
    echo "== vkllm bench lora $merge"
    "$BIN"/vkllm bench -m /tmp/l8b -p 512 -n 128 -r 3 $flags --json > "$OUT"/bench_lora_$merge.json 2> "$OUT"/bench_lora_$merge.err
    tail -2 "$OUT"/bench_lora_$merge.err
    python3 -c "import json;t=json.load(open('$OUT/bench_lora_$merge.json'));print({k:t[k] for k in ['prefill_tok_s','decode_tok_s','decode_gb_s','decode_fraction_of_ceiling']})"
  done
  echo "== unmerged decode profile"
  "$BIN"/vkllm bench -m /tmp/l8b -p 512 -n 16 -r 1 --lora /tmp/l8b-lora16 --lora-merge no --profile 2>&1 | tail -14
fi

if has quant; then
  # Quantize at load on the 8B-shaped folder: decode and prefill against bf16, and
  # the load time; then quality on the demo model beside llama.cpp's Q8_0 / Q4_0
  # (the same held-out text, llama-perplexity -c 512; ../shared/peers).
  [ -d /tmp/l8b ] || (cd "$DATA" && python3 make_random_model.py models/llama-3.1-8b/config.json /tmp/l8b > /dev/null 2>&1)
  ids=$(python3 -c "import random;random.seed(0);print(','.join(str(random.randrange(1000,120000)) for _ in range(512)))")
  for q in bf16 q8 q4; do
    flags=""; [ $q = bf16 ] || flags="--quant $q"
    echo "== vkllm bench $q"
    "$BIN"/vkllm bench -m /tmp/l8b -p 512 -n 128 -r 3 $flags --json > "$OUT"/bench_$q.json 2> "$OUT"/bench_$q.err
    tail -1 "$OUT"/bench_$q.err | cut -c1-300
    python3 -c "import json;t=json.load(open('$OUT/bench_$q.json'));print({k:round(t[k],4) for k in ['prefill_tok_s','decode_tok_s','decode_gb_s','decode_fraction_of_ceiling','decode_read_bytes']})"
    "$BIN"/vkllm run -m /tmp/l8b $flags --prompt-ids "$ids" -n 1 --temp 0 --json 2>/dev/null | python3 -c "import json,sys;t=json.load(sys.stdin)['timings'];print('load_s',round(t['load_s'],2))"
  done
  echo "== quality (demo model, benchmarks/quality/demo_heldout.txt)"
  "$BIN"/vkllm score -m models/demo --text-file benchmarks/quality/demo_heldout.txt --window 512 --out /tmp/demo_base.st 2>&1 | tail -1
  for q in q8 q4; do
    "$BIN"/vkllm score -m models/demo --quant $q --text-file benchmarks/quality/demo_heldout.txt --window 512 --kl-base /tmp/demo_base.st 2>&1 | tail -2
  done
fi

if has demo-peer; then
  # llama.cpp's Q8_0 and Q4_0 of the demo model on the same held-out text
  # (llama-perplexity -c 512, KL against its own bf16). The converter does not know
  # the demo tokenizer's hash; convert_gpt2_pre.py names its (GPT-2) pre-tokenizer.
  [ -d /tmp/kit ] || tar xJf "${KIT:-$DATA/llama.cpp-kit.tar.xz}" -C /tmp
  export LD_LIBRARY_PATH=/tmp/kit/bin PYTHONPATH=/tmp/kit/py/gguf-py
  python3 benchmarks/device/convert_gpt2_pre.py /tmp/kit/py models/demo --outtype bf16 --outfile /tmp/demo.gguf > /tmp/demo_convert.log 2>&1 || tail -5 /tmp/demo_convert.log
  for t in Q8_0 Q4_0; do /tmp/kit/bin/llama-quantize /tmp/demo.gguf /tmp/demo.$t.gguf $t > "$OUT"/demo_quantize_$t.log 2>&1 || echo "quantize $t failed"; done
  ls -la /tmp/demo*.gguf
  /tmp/kit/bin/llama-perplexity -m /tmp/demo.gguf -f benchmarks/quality/demo_heldout.txt -c 512 -ngl 99 --kl-divergence-base /tmp/demo.kld > "$OUT"/demo_ppl_bf16.log 2>&1
  grep -E "Final estimate|tokenizing|chunks" "$OUT"/demo_ppl_bf16.log | tail -3
  for t in Q8_0 Q4_0; do
    echo "-- llama.cpp $t"
    /tmp/kit/bin/llama-perplexity -m /tmp/demo.$t.gguf -c 512 -ngl 99 --kl-divergence-base /tmp/demo.kld --kl-divergence > "$OUT"/demo_ppl_$t.log 2>&1
    grep -E "Mean PPL|Mean    KLD|Same top|PPL\(Q\)|Mean KLD|ln\(PPL" "$OUT"/demo_ppl_$t.log | head -8
  done
fi

if has quant-kernels; then
  # The quantized matvec, old kernel against new: QBIN/q.tar.xz holds bench-ops-old,
  # bench-ops-new, vkllm-old and vkllm-new. The GPU's clocks are logged beside them
  # (a slow call is then told apart from a slow kernel).
  QBIN=${QBIN:-.gpubin}
  exec > >(tee -a "$OUT"/quant_kernels.log) 2>&1
  mkdir -p /tmp/qbin && tar xJf "$QBIN"/q.tar.xz -C /tmp/qbin
  nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu --format=csv -lms 250 > "$OUT"/clocks.csv 2>&1 &
  smi=$!
  for v in old new; do
    echo "== bench-ops-$v matvec"
    /tmp/qbin/bench-ops-$v --filter "matvec" 2>&1 | grep -E "ceilings|matvec"
  done
  echo "== sweep"
  /tmp/qbin/bench-ops-new --sweep-quant > "$OUT"/sweep_quant.txt 2>&1
  grep -E "FAIL|ceilings" "$OUT"/sweep_quant.txt | head
  # The three fastest tunings of each shape (the field after unroll= is the median).
  for sh in "int8.*n=14336 k=4096" "int8.*n=4096 k=14336" "int4.*n=14336 k=4096" "int4.*n=4096 k=14336"; do
    grep -E "$sh" "$OUT"/sweep_quant.txt | awk '{for(i=1;i<=NF;i++) if($i ~ /^unroll=/) u=i; print $(u+1), $0}' | sort -n | head -3 | cut -d' ' -f2-
  done
  [ -d /tmp/l8b ] || (cd "$DATA" && python3 make_random_model.py models/llama-3.1-8b/config.json /tmp/l8b > /dev/null 2>&1)
  for v in old new; do
    for q in q8 q4; do
      echo "== vkllm-$v --quant $q"
      /tmp/qbin/vkllm-$v bench -m /tmp/l8b -p 512 -n 128 -r 3 --quant $q --json > "$OUT"/bench_${v}_$q.json 2> /dev/null
      python3 -c "import json;t=json.load(open('$OUT/bench_${v}_$q.json'));print({k:round(t[k],4) for k in ['prefill_tok_s','decode_tok_s','decode_gb_s','decode_fraction_of_ceiling']})"
    done
  done
  kill $smi
fi

if has peer-quant; then
  # llama.cpp on the same 8B-shaped weights: GGUF bf16, Q8_0 and Q4_0 (../shared/peers).
  [ -d /tmp/kit ] || tar xJf "$DATA"/llama.cpp-kit.tar.xz -C /tmp
  export LD_LIBRARY_PATH=/tmp/kit/bin PYTHONPATH=/tmp/kit/py/gguf-py
  tar xJf "$DATA"/llama3-tok.tar.xz -C /tmp && cp /tmp/llama3/tokenizer*.json /tmp/llama3/special_tokens_map.json /tmp/l8b/
  (cd /tmp/kit/py && python3 convert_hf_to_gguf.py /tmp/l8b --outtype bf16 --outfile /tmp/l8b.gguf > /tmp/convert.log 2>&1) || tail -3 /tmp/convert.log
  for t in Q8_0 Q4_0; do /tmp/kit/bin/llama-quantize /tmp/l8b.gguf /tmp/l8b.$t.gguf $t 16 > /dev/null 2>&1 || echo "quantize $t failed"; done
  for m in l8b.Q8_0 l8b.Q4_0; do
    echo "== llama-bench $m"
    /tmp/kit/bin/llama-bench -m /tmp/$m.gguf -p 512 -n 128 -r 3 -fa 1 -ngl 99 2>&1 | grep -E "pp512|tg128"
  done
fi

if has serve; then
  # Batched decode in the engine, then `vkllm serve` under the load test at 1, 8, 32
  # and 64 concurrent streams (128 tokens each), then 1,000 requests in sequence.
  # Needs DATA/llama3-tok.tar.xz (Llama 3's tokenizer files) and BIN/node.xz (Node 20).
  [ -d /tmp/l8b ] || (cd "$DATA" && python3 make_random_model.py models/llama-3.1-8b/config.json /tmp/l8b > /dev/null 2>&1)
  tar xJf "$DATA"/llama3-tok.tar.xz -C /tmp && cp /tmp/llama3/tokenizer*.json /tmp/llama3/special_tokens_map.json /tmp/l8b/
  xz -dc "$BIN"/node.xz > /tmp/node && chmod +x /tmp/node
  echo "== vkllm bench --batch-decode"
  "$BIN"/vkllm bench -m /tmp/l8b -p 512 -n 32 -r 2 --batch-decode 1,2,4,8,16,32,64 | tee "$OUT"/batch_decode.txt
  echo "== vkllm serve"
  "$BIN"/vkllm serve -m /tmp/l8b --port 18080 --parallel 64 --ctx 1024 2> "$OUT"/serve.log &
  spid=$!
  for i in $(seq 1 120); do grep -q "on http" "$OUT"/serve.log && break; sleep 1; done
  tail -2 "$OUT"/serve.log
  for c in 1 8 32 64; do
    /tmp/node benchmarks/server/load_test.mjs --url http://127.0.0.1:18080 --pid $spid --clients $c --kill 0 --max-tokens 128:128 --json > "$OUT"/load_$c.json
    python3 -c "import json;r=json.load(open('$OUT/load_$c.json'));print($c,'streams',round(r['aggregate_tok_s'],1),'tok/s; TTFT p50/p99',[round(x) for x in r['ttft_ms'].values()],'ms; ITL p50/p99',[round(x,1) for x in r['itl_ms'].values()],'ms',r['failures'])"
  done
  /tmp/node benchmarks/server/load_test.mjs --url http://127.0.0.1:18080 --pid $spid --clients 64 --kill 1 --max-tokens 16:128 --sequential 1000 | tee "$OUT"/load_mixed.txt
  kill $spid; wait $spid
fi

if has cpu || has cpu-peer || has gpu-now || has gptq-awq || has sweep-quant || has cpu-sweep || has prefill; then
  # The CPU backend on this machine's host. `cpu`: the fixtures all on the CPU, split
  # GPU/CPU/GPU and auto-split (validation on); the CPU kernels against the host's
  # read bandwidth; the 8B-shaped folder all on the CPU, on the GPU alone and split
  # GPU/CPU under --max-memory, beside transformers' CPU offload. `cpu-peer`:
  # llama.cpp on the same weights, all on the CPU and with -ngl as vkllm's map put
  # the layers (each part fits the device's 10 minutes a call).
  # CPUBIN/bins.tar.xz (vkllm, test_cpu, test_ops, vkllm-bench-cpu),
  # CPUBIN/fixtures.tar.xz (../shared/fixtures), CPUBIN/llama.cpp-kit.tar.xz.
  CPUBIN=${CPUBIN:-.gpucpu}
  # Everything from here also goes to $OUT/cpu.log as it comes (a command killed at
  # the device's time limit still leaves what it measured).
  exec > >(tee -a "$OUT"/cpu.log) 2>&1
  mkdir -p /tmp/cpubin && tar xJf "$CPUBIN"/bins.tar.xz -C /tmp/cpubin
  split="--device-map auto --max-memory 0=8GiB,cpu=100GiB"
  t0=$(date +%s)
  stamp() { echo "[$(($(date +%s) - t0)) s] $*"; }
  [ -d /tmp/l8b ] || (cd "$DATA" && python3 make_random_model.py models/llama-3.1-8b/config.json /tmp/l8b > /dev/null 2>&1)
  stamp "8B folder ready"
fi

if has cpu; then
  mkdir -p /tmp/cpudata && tar xJf "$CPUBIN"/fixtures.tar.xz -C /tmp/cpudata
  stamp "== test_cpu"
  VKLLM_VALIDATION=1 VKLLM_TEST_DATA=/tmp/cpudata /tmp/cpubin/test_cpu > "$OUT"/test_cpu.txt 2>&1
  grep -E "^\[  (PASSED|FAILED|SKIPPED) |FAILED  \]" "$OUT"/test_cpu.txt | head
  if [ -z "${QUICK:-}" ]; then  # QUICK=1: the kernels were measured in an earlier call
    VKLLM_TEST_DATA=/tmp/cpudata /tmp/cpubin/test_ops --gtest_filter='*Cpu*' 2>&1 | grep -E "^\[  (PASSED|FAILED) |FAILED  \]|Failure" | head
    stamp "== vkllm-bench-cpu"
    /tmp/cpubin/vkllm-bench-cpu > "$OUT"/bench_cpu.txt 2>&1; tail -3 "$OUT"/bench_cpu.txt
  fi
  stamp "== 8B all on the CPU"
  timeout 150 /tmp/cpubin/vkllm bench -m /tmp/l8b --device cpu -p 16 -n 8 -r 2 --ctx 1024 2>&1 | tail -4
  stamp "== 8B on the GPU alone, then 8 GiB on the GPU and the rest on the CPU"
  /tmp/cpubin/vkllm bench -m /tmp/l8b -p 128 -n 32 -r 2 --ctx 1024 2>&1 | tail -3
  timeout 150 /tmp/cpubin/vkllm bench -m /tmp/l8b -p 128 -n 32 -r 2 --ctx 1024 $split 2>&1 | grep -v "^device map:" | tail -7
  stamp "== transformers, 8 GiB on the GPU (accelerate offload)"
  timeout 200 python3 benchmarks/device/hf_offload.py /tmp/l8b --gpu 8GiB --prompt 128 --gen 16 2>&1 | grep -v -i warn | tail -1
  stamp "done"
fi

if has cpu-peer; then
  [ -d /tmp/kit ] || tar xJf "$CPUBIN"/llama.cpp-kit.tar.xz -C /tmp
  export LD_LIBRARY_PATH=/tmp/kit/bin PYTHONPATH=/tmp/kit/py/gguf-py
  tar xJf "$DATA"/llama3-tok.tar.xz -C /tmp && cp /tmp/llama3/tokenizer*.json /tmp/llama3/special_tokens_map.json /tmp/l8b/
  [ -f /tmp/l8b.gguf ] || (cd /tmp/kit/py && python3 convert_hf_to_gguf.py /tmp/l8b --outtype bf16 --outfile /tmp/l8b.gguf > /tmp/convert.log 2>&1) || tail -3 /tmp/convert.log
  stamp "GGUF written"
  ngl=$(/tmp/cpubin/vkllm inspect /tmp/l8b $split --ctx 1024 --json | python3 -c "import json,sys;m=json.load(sys.stdin)['device_map'];print(sum(1 for k,v in m.items() if k.startswith('model.layers.') and v==0))")
  stamp "== llama.cpp, $ngl layers on the GPU (as vkllm's map), then all on the CPU"
  timeout 200 /tmp/kit/bin/llama-bench -m /tmp/l8b.gguf -p 128 -n 32 -r 2 -ngl "$ngl" 2>&1 | grep -E "pp128|tg32|error"
  timeout 200 /tmp/kit/bin/llama-bench -m /tmp/l8b.gguf -p 16 -n 8 -r 2 -ngl 0 2>&1 | grep -E "pp16|tg8|error"
  stamp "done"
fi

if has gpu-now; then
  # On the GPU alone: what a kernel in a chain of dependent ones costs, the quantized
  # and bf16 matvecs, and the 8B's prefill and decode at bf16, q4 and q8; with OLD=1
  # also an earlier build's vkllm (QBIN/q.tar.xz: vkllm-old; builds before 2796e98
  # loop forever in `bench` on a GPU).
  QBIN=${QBIN:-.gpubin}
  [ -n "${OLD:-}" ] && mkdir -p /tmp/qbin && tar xJf "$QBIN"/q.tar.xz -C /tmp/qbin
  stamp "== vkllm-bench-ops (this build)"
  /tmp/cpubin/vkllm-bench-ops --filter "matvec" 2>&1 | grep -E "ceilings|dispatch|matvec" | tee "$OUT"/ops_new.txt
  for v in new ${OLD:+old}; do
    bin=/tmp/cpubin/vkllm; [ $v = old ] && bin=/tmp/qbin/vkllm-old
    for q in bf16 q4 $([ $v = new ] && echo q8); do
      flags=""; [ $q = bf16 ] || flags="--quant $q"
      stamp "== vkllm ($v) $q on the GPU"
      timeout 100 $bin bench -m /tmp/l8b -p 512 -n 64 -r 2 --ctx 1024 $flags --json > "$OUT"/gpu_${v}_$q.json 2> /dev/null
      python3 -c "import json;t=json.load(open('$OUT/gpu_${v}_$q.json'));print({k:round(t[k],4) for k in ['prefill_tok_s','decode_tok_s','decode_gb_s','decode_fraction_of_ceiling']})" 2>&1 | tail -1
    done
  done
  for q in q4 q8; do  # the same with the fp32 quantized matvec (no integer dot products)
    stamp "== vkllm $q on the GPU, VKLLM_NO_INT_DOT=1"
    VKLLM_NO_INT_DOT=1 timeout 100 /tmp/cpubin/vkllm bench -m /tmp/l8b -p 512 -n 64 -r 2 --ctx 1024 --quant $q --json > "$OUT"/gpu_nodot_$q.json 2> /dev/null
    python3 -c "import json;t=json.load(open('$OUT/gpu_nodot_$q.json'));print({k:round(t[k],4) for k in ['prefill_tok_s','decode_tok_s','decode_gb_s','decode_fraction_of_ceiling']})" 2>&1 | tail -1
  done
  stamp "== q4 decode profile"
  timeout 60 /tmp/cpubin/vkllm bench -m /tmp/l8b -p 512 -n 16 -r 1 --ctx 1024 --quant q4 --profile 2>&1 | tail -16
fi

if has prefill; then
  # Prefill on the GPU: the attention kernels (tensor cores and fp32) and the matmul
  # at 512 and 4096 tokens, the tensor-core matmul's tilings, the 8B's
  # prefill per op with and without tensor-core attention, prefill-4096, and the
  # batched decode with the decode-attention split by batch and fixed at 32.
  stamp "== op checks: matmul and attention (validation on)"
  timeout 100 /tmp/cpubin/vkllm-bench-ops --check -v --filter "matmul|attention" > "$OUT"/check.txt 2>&1
  tail -2 "$OUT"/check.txt; grep -E "^FAIL" "$OUT"/check.txt | head -10
  stamp "== op perf: prefill attention and matmul"
  timeout 150 /tmp/cpubin/vkllm-bench-ops --filter "attention_prefill|matmul bf16 t=512" -r 5 > "$OUT"/perf_prefill.txt 2>&1
  grep -E "ceilings|attention|matmul" "$OUT"/perf_prefill.txt
  stamp "== coopmat tilings (512, 64 and 16 rows)"
  timeout 120 /tmp/cpubin/vkllm-bench-ops --sweep-coopmat -r 5 > "$OUT"/sweep_coopmat.txt 2>&1
  # The three fastest tilings of each shape.
  for sh in "t=512 n=14336" "t=512 n=4096" "t=512 n=6144" "t=64 n=14336" "t=64 n=4096" "t=16 n=14336"; do
    grep -E "matmul +bf16 $sh" "$OUT"/sweep_coopmat.txt | awk '{print $(NF-4), $0}' | sort -n | head -3 | cut -d" " -f2- | cut -c1-118
    grep -E "matmul +bf16 $sh.*(sg=8 tile=128x128 block=64x32 bk=32 depth=1|split)" "$OUT"/sweep_coopmat.txt | cut -c1-118
  done
  for v in tc notc; do
    env=""; [ $v = notc ] && env="VKLLM_NO_TC_ATTENTION=1"
    stamp "== prefill profile ($v)"
    env $env timeout 60 /tmp/cpubin/vkllm bench -m /tmp/l8b -p 512 -n 0 -r 1 --ctx 1024 --profile 2>&1 | tail -14
    stamp "== prefill-4096 ($v)"
    env $env timeout 90 /tmp/cpubin/vkllm bench -m /tmp/l8b -p 4096 -n 16 -r 1 --ctx 4608 --json > "$OUT"/p4096_$v.json 2> /dev/null
    python3 -c "import json;t=json.load(open('$OUT/p4096_$v.json'));print({k:round(t[k],2) for k in ['prefill_tok_s','decode_tok_s']})" 2>&1 | tail -1
  done
  for sp in auto 32; do
    env=""; [ $sp = auto ] || env="VKLLM_DECODE_SPLITS=$sp"
    stamp "== batched decode, decode-attention splits $sp"
    env $env timeout 80 /tmp/cpubin/vkllm bench -m /tmp/l8b -p 512 -n 32 -r 2 --ctx 1024 --batch-decode 1,8,32,64 2>&1 | tail -5
  done
fi

if has gptq-awq; then
  # The checkpoint formats at full size: GPTQ (4-bit symmetric, groups of 128) and AWQ
  # GEMM (4-bit with zeros, groups of 128) copies of the 8B folder, written by
  # quantize_folder.py with torch on this GPU, then decoded and prefilled as bf16 is.
  for fmt in gptq awq; do
    stamp "== $fmt folder"
    [ -d /tmp/l8b-$fmt ] || python3 benchmarks/device/quantize_folder.py /tmp/l8b /tmp/l8b-$fmt --format $fmt 2>&1 | tail -1
    timeout 100 /tmp/cpubin/vkllm bench -m /tmp/l8b-$fmt -p 512 -n 64 -r 2 --ctx 1024 --json > "$OUT"/gpu_$fmt.json 2> /tmp/gpu_$fmt.err || tail -3 /tmp/gpu_$fmt.err
    python3 -c "import json;t=json.load(open('$OUT/gpu_$fmt.json'));print({k:round(t[k],4) for k in ['prefill_tok_s','decode_tok_s','decode_gb_s','decode_fraction_of_ceiling']})" 2>&1 | tail -1
  done
fi

if has sweep-quant; then
  # Every tuning of the quantized matvec (words x workgroup x rows x unroll, q8 and
  # q4) at the 8B's shapes; the whole table to $OUT, the three fastest a shape here.
  stamp "== vkllm-bench-ops --sweep-quant"
  timeout ${SWEEP_S:-150} /tmp/cpubin/vkllm-bench-ops --sweep-quant > "$OUT"/sweep_quant.txt 2>&1
  grep -E "FAIL|ceilings" "$OUT"/sweep_quant.txt | head
  for sh in "int8.*n=14336 k=4096" "int8.*n=4096 k=14336" "int4.*n=14336 k=4096" "int4.*n=4096 k=14336"; do
    grep -E "$sh" "$OUT"/sweep_quant.txt | awk '{for(i=1;i<=NF;i++) if($i ~ /^unroll=/) u=i; print $(u+1), $0}' | sort -n | head -3 | cut -d' ' -f2-
  done
fi

if has cpu-sweep; then
  # The table: 0, 8, 16 and 32 of the 32 layers on the CPU (the last ones;
  # the final norm and lm_head with them), the same map for vkllm (--device-map
  # FILE.json) and transformers (device_map=, accelerate's offload), and llama.cpp
  # with as many layers on the GPU (-ngl; it keeps the first ones on the CPU).
  # Prefill 512 and decode (vkllm and llama.cpp 16 tokens, one timed run after a
  # warm-up; transformers 8). One engine at a time over the splits, so that a call
  # cut at the device's limit keeps whole rows; SWEEP_ENGINES picks them (also
  # vkllm-q4: --quant q4, and vkllm-nooff: --no-op-offload).
  CPU_LAYERS=${CPU_LAYERS:-0 8 16 32}
  for n in $CPU_LAYERS; do
    python3 -c "
import json
n = $n; gpu = 32 - n
m = {'model.embed_tokens': 0, 'model.rotary_emb': 0}
m.update({f'model.layers.{i}': (0 if i < gpu else 'cpu') for i in range(32)})
m['model.norm'] = m['lm_head'] = 'cpu' if n else 0
json.dump(m, open('/tmp/map$n.json', 'w'))"
  done
  for engine in ${SWEEP_ENGINES:-vkllm hf llama}; do
    for n in $CPU_LAYERS; do
      case $engine in
      vkllm)
        stamp "== $n layers on the CPU: vkllm"
        timeout 150 /tmp/cpubin/vkllm bench -m /tmp/l8b -p 512 -n 16 -r 1 --ctx 1024 --device-map /tmp/map$n.json --json > "$OUT"/sweep_vkllm_$n.json 2> /tmp/sweep_vkllm_$n.err || tail -2 /tmp/sweep_vkllm_$n.err
        python3 -c "import json;t=json.load(open('$OUT/sweep_vkllm_$n.json'));print({k:t.get(k) for k in ['prefill_tok_s','decode_tok_s','decode_gb_s','decode_fraction_of_ceiling']})" 2>&1 | tail -1
        ;;
      vkllm-q4)  # the same with --quant q4 (op offload copies the 4-bit layouts)
        stamp "== $n layers on the CPU: vkllm --quant q4"
        timeout 150 /tmp/cpubin/vkllm bench -m /tmp/l8b -p 512 -n 16 -r 1 --ctx 1024 --device-map /tmp/map$n.json --quant q4 --json > "$OUT"/sweep_vkllm_q4_$n.json 2> /tmp/sweep_q4_$n.err || tail -2 /tmp/sweep_q4_$n.err
        python3 -c "import json;t=json.load(open('$OUT/sweep_vkllm_q4_$n.json'));print({k:t.get(k) for k in ['prefill_tok_s','decode_tok_s']})" 2>&1 | tail -1
        ;;
      vkllm-nooff)  # the same with --no-op-offload (CPU layers' prompt products on the CPU)
        stamp "== $n layers on the CPU: vkllm --no-op-offload"
        timeout 150 /tmp/cpubin/vkllm bench -m /tmp/l8b -p 512 -n 16 -r 1 --ctx 1024 --device-map /tmp/map$n.json --no-op-offload --json > "$OUT"/sweep_vkllm_nooff_$n.json 2> /tmp/sweep_nooff_$n.err || tail -2 /tmp/sweep_nooff_$n.err
        python3 -c "import json;t=json.load(open('$OUT/sweep_vkllm_nooff_$n.json'));print({k:t.get(k) for k in ['prefill_tok_s','decode_tok_s']})" 2>&1 | tail -1
        ;;
      hf)
        stamp "== $n layers on the CPU: transformers"
        timeout 150 python3 benchmarks/device/hf_offload.py /tmp/l8b --map /tmp/map$n.json --prompt 512 --gen 8 2>&1 | grep -v -i warn | tail -1
        ;;
      llama)
        [ -d /tmp/kit ] || tar xJf "$CPUBIN"/llama.cpp-kit.tar.xz -C /tmp
        export LD_LIBRARY_PATH=/tmp/kit/bin PYTHONPATH=/tmp/kit/py/gguf-py
        if [ ! -f /tmp/l8b.gguf ]; then
          # The converter needs the folder's tokenizer: Llama 3's (DATA/llama3-tok.tar.xz).
          tar xJf "$DATA"/llama3-tok.tar.xz -C /tmp && cp /tmp/llama3/tokenizer*.json /tmp/llama3/special_tokens_map.json /tmp/l8b/
          (cd /tmp/kit/py && timeout 300 python3 convert_hf_to_gguf.py /tmp/l8b --outtype bf16 --outfile /tmp/l8b.gguf > /tmp/convert.log 2>&1) || tail -3 /tmp/convert.log
          stamp "GGUF written"
        fi
        stamp "== $n layers on the CPU: llama.cpp -ngl $((n ? 32 - n : 99))"
        timeout 150 /tmp/kit/bin/llama-bench -m /tmp/l8b.gguf -p 512 -n 16 -r 1 -ngl $((n ? 32 - n : 99)) 2>&1 | grep -E "pp512|tg16|error"
        ;;
      esac
    done
  done
  stamp "done"
fi
