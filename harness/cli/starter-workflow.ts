import type { Language } from '../sut/starter.ts';

/**
 * The GitHub Actions workflow `outbox-chaos init` writes beside the starter manifest: it installs
 * outbox-chaos from npm (pinned to the version that wrote it), what a native run needs, and the
 * user's own toolchain, then checks the machine and runs every scenario against the manifest.
 */

/** The steps that set up the language the SUT is written in, when the runner lacks it. */
const TOOLCHAIN: Record<Language, string> = {
  node: `      # Your SUT's own dependencies.
      - run: npm ci`,
  go: `      # Your SUT's Go (go.mod names the version): the manifest's prepare step builds the SUT with it,
      # and on a cold cache it builds toxiproxy too (which needs Go >= 1.22).
      - uses: actions/setup-go@v5
        with:
          go-version-file: go.mod`,
  java: `      # Java 17 above serves both Kafka and your SUT; the manifest's prepare step builds it with Maven.`,
  python: `      - uses: actions/setup-python@v5
        with:
          python-version: '3.12'
      - name: Your SUT's dependencies
        run: if [ -f requirements.txt ]; then pip install -r requirements.txt; fi`,
};

const GO_FOR_TOXIPROXY = `      - uses: actions/setup-go@v5
        with:
          go-version: stable
          cache: false
`;

export function starterWorkflow(language: Language, version: string, manifest: string): string {
  return `# outbox-chaos as a correctness gate for this repository's transactional outbox.
# Written by \`outbox-chaos init\`. The job fails when a run finds an anomaly (exit 1) or cannot be
# judged (exit 2), and uploads the reports either way.
name: outbox-chaos

on:
  pull_request:
  push:
    branches: [main]

jobs:
  chaos:
    runs-on: ubuntu-24.04
    timeout-minutes: 45
    env:
      OUTBOX_CHAOS_VERSION: '${version}'
    steps:
      - uses: actions/checkout@v4

      - uses: actions/setup-node@v4
        with:
          node-version: 20

      # Kafka runs on Java 17.
      - uses: actions/setup-java@v4
        with:
          distribution: temurin
          java-version: 17

      # PostgreSQL's server binaries, without the system cluster (the harness runs its own).
      - name: PostgreSQL server binaries
        run: |
          sudo install -d /etc/postgresql-common
          echo 'create_main_cluster = false' | sudo tee -a /etc/postgresql-common/createcluster.conf
          sudo apt-get update -qq
          sudo apt-get install -y -qq postgresql

${TOOLCHAIN[language]}

      # The Kafka jars and the toxiproxy binary, provisioned on the first run, are kept between runs.
      # A cold cache needs Maven (the runner has it) and Go >= 1.22, to build toxiproxy.
      - uses: actions/cache@v4
        with:
          path: ~/.cache/outbox-chaos
          key: outbox-chaos-\${{ runner.os }}-\${{ env.OUTBOX_CHAOS_VERSION }}
${language === 'go' ? '' : GO_FOR_TOXIPROXY}
      - name: Install outbox-chaos
        run: npm install --global "outbox-chaos@\${OUTBOX_CHAOS_VERSION}"

      - name: Prerequisites
        run: outbox-chaos doctor

      - name: Chaos suite (quick profile, every scenario)
        run: outbox-chaos run --sut ${manifest} --scenario all --profile quick --provider native --report-dir outbox-chaos-reports

      - name: Reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: outbox-chaos-reports
          path: outbox-chaos-reports/
          if-no-files-found: warn
`;
}
