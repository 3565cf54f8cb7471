#!/usr/bin/env node
import '../dist/cert-wrap.js';
