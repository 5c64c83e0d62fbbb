#!/usr/bin/env node
// The `hybrid` executable. Exits explicitly once the command's output is written: a library that
// leaves a timer or a handle behind must not keep a finished command alive.
import { main } from "./program.js";

process.exit(await main(process.argv.slice(2)));
