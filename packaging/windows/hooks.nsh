; NSIS installer hooks for Tauri's NSIS bundler (packaging/tauri.bundle.json > bundle.windows.nsis).
; Creates %ProgramData%\SIO readable by Users and writable by Administrators/SYSTEM only, and copies sio.exe.
!macro NSIS_HOOK_POSTINSTALL
  CreateDirectory "$COMMONAPPDATA\SIO"
  ; Remove inherited ACEs, then grant: Administrators (S-1-5-32-544) and SYSTEM (S-1-5-18) full, Users (S-1-5-32-545) read.
  nsExec::ExecToLog 'icacls "$COMMONAPPDATA\SIO" /inheritance:r /grant:r *S-1-5-32-544:(OI)(CI)F *S-1-5-18:(OI)(CI)F *S-1-5-32-545:(OI)(CI)RX'
  SetOutPath "$INSTDIR"
  File "..\..\target\dist\sio.exe"
!macroend

!macro NSIS_HOOK_PREUNINSTALL
  Delete "$INSTDIR\sio.exe"
  ; The policy in %ProgramData%\SIO is the administrator's: it is kept.
!macroend
