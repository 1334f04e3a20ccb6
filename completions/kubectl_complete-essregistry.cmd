@echo off
rem kubectl 1.26 and later run this on Windows to complete the words typed after
rem "kubectl essregistry": kubectl finds it on PATH through PATHEXT, which lists .cmd but
rem not .ps1, so the Windows form is a .cmd. It prints one candidate per line, then a
rem line with a colon and the completion directive. The plugin is the .exe in the same
rem folder as this file, where krew and the zip archive put both.
"%~dp0kubectl-essregistry.exe" __complete %*
