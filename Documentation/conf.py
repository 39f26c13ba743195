# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration for Documentation/sheafcache.rst, rendered with the
# kernel's own kernel-doc extension: scripts/eco.sh (make check) extracts
# Documentation/sphinx/ and scripts/kernel-doc from linux-source and
# passes their paths in the environment.

import os
import sys

sys.path.insert(0, os.environ['SHEAFCACHE_KSPHINX'])

project = 'sheafcache'
master_doc = 'sheafcache'
extensions = ['kerneldoc']
kerneldoc_bin = os.environ['SHEAFCACHE_KERNELDOC']
kerneldoc_srctree = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
# As the kernel's conf.py: kernel-doc's output is C.
primary_domain = 'c'
highlight_language = 'none'
exclude_patterns = []
