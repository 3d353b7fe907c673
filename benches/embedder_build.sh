#!/usr/bin/env bash
# What embedding datasaur costs an application's clean build: a tiny app on
# `datasaur` against the same app on reqwest + serde + tokio alone (the
# features datasaur itself uses), each built clean in a fresh target
# directory, alternated, ROUNDS times; prints each build and the ratio of the
# medians; and a third app whose datasaur has no build-time generator (the
# floor any generator approaches). Run from the repository root:
# `bash benches/embedder_build.sh`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=benches/support/common.sh
source "$root/benches/support/common.sh"
rounds="${ROUNDS:-2}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/on-datasaur/src" "$work/bare/src"
cat > "$work/on-datasaur/Cargo.toml" <<EOF
[package]
name = "on-datasaur"
version = "0.0.0"
edition = "2024"
[dependencies]
datasaur = { path = "$root" }
tokio = { version = "1", features = ["rt", "macros"] }
[workspace]
EOF
cat > "$work/on-datasaur/src/main.rs" <<'EOF'
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = datasaur::Client::builder().build().expect("default client");
    println!("{}", client.base_url());
}
EOF
cat > "$work/bare/Cargo.toml" <<'EOF'
[package]
name = "bare"
version = "0.0.0"
edition = "2024"
[dependencies]
reqwest = { version = "0.12", default-features = false, features = ["json", "http2", "charset", "rustls-tls"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tokio = { version = "1", features = ["time", "sync", "macros", "rt", "fs", "io-util"] }
[workspace]
EOF
cat > "$work/bare/src/main.rs" <<'EOF'
#[derive(serde::Deserialize, Debug)]
struct Answer {
    data: Option<serde_json::Value>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = reqwest::Client::builder().build().expect("default client");
    let answer: Option<Answer> = serde_json::from_str("{\"data\":null}").ok();
    println!("{client:?} {answer:?}");
}
EOF
# The same crate versions as the workspace, resolved offline.
cp "$root/Cargo.lock" "$work/on-datasaur/Cargo.lock"
cp "$root/Cargo.lock" "$work/bare/Cargo.lock"

# The floor of any build-time generator: datasaur's sources with the code its
# generator wrote copied in, a build script that only copies it, and no
# build-dependencies.
library="$work/datasaur-no-generator"
mkdir -p "$library" "$work/no-generator/src"
tar -C "$root" --exclude=./target --exclude=./.git -c . | tar -x -C "$library"
cargo build --quiet --manifest-path "$root/Cargo.toml" -p datasaur --target-dir "$work/target-generate"
generated=$(ls -t "$work"/target-generate/debug/build/datasaur-*/out/operations.rs | head -1)
cp "$generated" "$library/operations.rs"
rm -rf "$work/target-generate"
printf '%s\n' \
    'fn main() {' \
    '    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");' \
    '    std::fs::copy("operations.rs", format!("{out}/operations.rs")).expect("operations.rs copied");' \
    '}' > "$library/build.rs"
# Drop the [build-dependencies] table (its header and the lines up to the next table).
awk '/^\[/{skip = ($0 == "[build-dependencies]")} !skip' "$root/Cargo.toml" > "$library/Cargo.toml"
sed -e "s|path = \"$root\"|path = \"$library\"|" -e 's/^name = "on-datasaur"/name = "no-generator"/' \
    "$work/on-datasaur/Cargo.toml" > "$work/no-generator/Cargo.toml"
cp "$work/on-datasaur/src/main.rs" "$work/no-generator/src/main.rs"
cp "$root/Cargo.lock" "$work/no-generator/Cargo.lock"

build() {
    local app="$1" target="$work/target-$1-$2" start end
    start=$(date +%s.%N)
    cargo build --quiet --offline --manifest-path "$work/$app/Cargo.toml" --target-dir "$target" 2>/dev/null \
        || cargo build --quiet --manifest-path "$work/$app/Cargo.toml" --target-dir "$target"
    end=$(date +%s.%N)
    rm -rf "$target"
    echo "$end - $start" | bc
}

declare -a ours bare floor
for round in $(seq 1 "$rounds"); do
    b=$(build bare "$round"); o=$(build on-datasaur "$round"); n=$(build no-generator "$round")
    bare+=("$b"); ours+=("$o"); floor+=("$n")
    printf 'round %d: bare %.1f s, on datasaur %.1f s, without the generator %.1f s\n' "$round" "$b" "$o" "$n"
done
mb=$(median "${bare[@]}"); mo=$(median "${ours[@]}"); mn=$(median "${floor[@]}")
printf 'median: bare %.1f s, on datasaur %.1f s (ratio %.2f), without the generator %.1f s (ratio %.2f)\n' \
    "$mb" "$mo" "$(echo "$mo / $mb" | bc -l)" "$mn" "$(echo "$mn / $mb" | bc -l)"
