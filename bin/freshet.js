#!/usr/bin/env node
// The `freshet` command: runs the compiled CLI (npm install builds dist/).
import '../dist/cli/main.js';
