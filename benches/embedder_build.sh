#!/usr/bin/env bash
# What embedding datasaur costs an application's clean build: a tiny app on
# `datasaur` against the same app on graphql_client's derive (what a user
# picks instead for compile-time-checked queries), checked against
# Datasaur's production schema (`../shared/datasaur/graphql.schema.json`,
# read where it is, never copied into the repository); with, as references,
# the app on reqwest + serde + tokio alone (the features datasaur itself
# uses) and an app whose datasaur has no build-time generator (the floor any
# generator approaches). Each built clean in a fresh target directory,
# alternated, ROUNDS times; prints each build and the ratios of the medians.
# Run from the repository root: `bash benches/embedder_build.sh`.
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
# The same app on graphql_client's derive, one query against the production schema.
production="$(cd "$root/.." && pwd)/shared/datasaur/graphql.schema.json"
[ -f "$production" ] || { echo "needs $production (Datasaur's production schema)"; exit 3; }
mkdir -p "$work/graphql-client/src"
cat > "$work/graphql-client/Cargo.toml" <<'EOF'
[package]
name = "graphql-client-app"
version = "0.0.0"
edition = "2024"
[dependencies]
graphql_client = "0.16"
reqwest = { version = "0.12", default-features = false, features = ["json", "http2", "charset", "rustls-tls"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tokio = { version = "1", features = ["time", "sync", "macros", "rt", "fs", "io-util"] }
[workspace]
EOF
cat > "$work/graphql-client/job.graphql" <<'EOF'
query GetJob($jobId: String!) {
  job: getJob(jobId: $jobId) { id status progress resultId createdAt updatedAt }
}
EOF
cat > "$work/graphql-client/src/main.rs" <<EOF
use graphql_client::GraphQLQuery;

#[derive(GraphQLQuery)]
#[graphql(schema_path = "$production", query_path = "job.graphql", response_derives = "Debug")]
struct GetJob;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = reqwest::Client::builder().build().expect("default client");
    let body = GetJob::build_query(get_job::Variables { job_id: "AutoLabelQueue:1".into() });
    println!("{client:?} {}", serde_json::to_string(&body).expect("a body"));
}
EOF

# The same crate versions as the workspace, resolved offline.
cp "$root/Cargo.lock" "$work/on-datasaur/Cargo.lock"
cp "$root/Cargo.lock" "$work/bare/Cargo.lock"
cp "$root/Cargo.lock" "$work/graphql-client/Cargo.lock"

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
    cargo build --quiet --offline --timings --manifest-path "$work/$app/Cargo.toml" --target-dir "$target" 2>/dev/null \
        || cargo build --quiet --timings --manifest-path "$work/$app/Cargo.toml" --target-dir "$target"
    end=$(date +%s.%N)
    cp "$target"/cargo-timings/cargo-timing-*.html "$work/timings-$app.html" 2>/dev/null || true
    rm -rf "$target"
    echo "$end - $start" | bc
}

# The crates a build compiled more than once (a build script's dependencies
# and the runtime asking different features of one crate), from cargo's
# --timings report: compile time the app pays twice.
built_twice() {
    python3 - "$work/timings-$1.html" <<'PY'
import collections, json, re, sys
page = open(sys.argv[1]).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", page, re.S).group(1))
seen = collections.defaultdict(list)
for unit in units:
    if unit["target"] == "":
        seen[(unit["name"], unit["version"])].append(unit["duration"])
twice = sorted(f"{name} {version}" for (name, version), times in seen.items() if len(times) > 1)
print(f"{len(units)} units; built twice: {', '.join(twice) or 'none'}")
PY
}

# Fetch what the graphql_client app needs once, outside the timed builds.
cargo fetch --quiet --manifest-path "$work/graphql-client/Cargo.toml"

declare -a ours bare floor gql
for round in $(seq 1 "$rounds"); do
    g=$(build graphql-client "$round"); b=$(build bare "$round")
    o=$(build on-datasaur "$round"); n=$(build no-generator "$round")
    gql+=("$g"); bare+=("$b"); ours+=("$o"); floor+=("$n")
    printf 'round %d: graphql_client app %.1f s, on datasaur %.1f s, bare %.1f s, without the generator %.1f s\n' \
        "$round" "$g" "$o" "$b" "$n"
done
echo "graphql_client app: $(built_twice graphql-client)"
echo "on datasaur: $(built_twice on-datasaur)"
mg=$(median "${gql[@]}"); mb=$(median "${bare[@]}"); mo=$(median "${ours[@]}"); mn=$(median "${floor[@]}")
ratio() { echo "$1 / $mg" | bc -l; }
printf 'median: graphql_client app %.1f s; on datasaur %.1f s (ratio %.2f, target <= 1.0); bare %.1f s (%.2f); without the generator %.1f s (%.2f)\n' \
    "$mg" "$mo" "$(ratio "$mo")" "$mb" "$(ratio "$mb")" "$mn" "$(ratio "$mn")"
