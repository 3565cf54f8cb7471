#!/usr/bin/env node
import '../dist/gen-nginx.js';
