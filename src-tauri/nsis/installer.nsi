; Sprechzimmer: per-user installer (no admin rights), built with makensis.
;
; Why our own script and not the Tauri bundler's NSIS target: on Linux the
; bundler downloads nsis_tauri_utils.dll (and its NSIS toolchain) from GitHub
; at build time, which our offline build machine cannot and should not do.
; This script needs only Debian's `nsis` package and its stock plugins.
;
; Build it with src-tauri/packaging/nsis.py, which passes the product facts
; from tauri.conf.json as /D defines (nothing product-specific is hard-coded
; here) and signs the exe before and the installer after packaging:
;   PRODUCT_NAME  PRODUCT_VERSION  VERSION_QUAD (a.b.c.d)  PUBLISHER
;   IDENTIFIER  SCHEME  BINARY  EXE_SOURCE  LOADER_SOURCE  ICON  OUTFILE
; and, when signing is configured, SIGN_UNINSTALLER (a command with %1).
;
; What it does, all under the current user's profile and HKCU:
;   $LOCALAPPDATA\Programs\<name>\  the exe, the tray agent, WebView2Loader.dll, Uninstall.exe
;   HKCU\Software\Classes\<scheme>  the invite-link scheme
;   Start menu                      one shortcut
;   HKCU\...\Uninstall\<identifier> the "Apps & features" entry
; Installing over an older version replaces it in place (same folder, same
; entry). The installer never downloads anything; a missing WebView2 runtime
; is explained by the app itself at start.

!ifndef PRODUCT_NAME | PRODUCT_VERSION | VERSION_QUAD | PUBLISHER | IDENTIFIER | SCHEME | BINARY | EXE_SOURCE | LOADER_SOURCE | ICON | OUTFILE
  !error "Build with src-tauri/packaging/nsis.py (product facts come in as /D defines)"
!endif

; The app is x86_64-only, so is the installer (runs without 32-bit support).
Target amd64-unicode
!ifndef COMPRESSOR   ; the tests pass zlib: LZMA over the 300 MB debug exe takes minutes
  !define COMPRESSOR "/SOLID lzma"
!endif
SetCompressor ${COMPRESSOR}
RequestExecutionLevel user   ; manifest asInvoker: no UAC prompt, ever
ManifestSupportedOS all
ManifestDPIAware true

; The uninstaller is generated inside makensis; it is signed there, before
; it is packed into the installer (NSIS >= 3.08). The build fails if
; signing fails.
!ifdef SIGN_UNINSTALLER
  !uninstfinalize '${SIGN_UNINSTALLER}' = 0
!endif

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"

!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${IDENTIFIER}"
!define SCHEME_KEY "Software\Classes\${SCHEME}"
!define SHORTCUT "$SMPROGRAMS\${PRODUCT_NAME}.lnk"
; The runtime id Microsoft documents for detecting the Evergreen WebView2.
!define WEBVIEW2_CLIENT "Software\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"

Name "${PRODUCT_NAME}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${PRODUCT_NAME}"
; An upgrade goes where the installed version is.
InstallDirRegKey HKCU "${UNINST_KEY}" "InstallLocation"
ShowInstDetails hide
ShowUninstDetails hide
BrandingText "${PRODUCT_NAME} ${PRODUCT_VERSION}"

VIProductVersion "${VERSION_QUAD}"
VIFileVersion "${VERSION_QUAD}"
VIAddVersionKey /LANG=0 "ProductName" "${PRODUCT_NAME}"
VIAddVersionKey /LANG=0 "ProductVersion" "${PRODUCT_VERSION}"
VIAddVersionKey /LANG=0 "FileVersion" "${PRODUCT_VERSION}"
VIAddVersionKey /LANG=0 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=0 "FileDescription" "${PRODUCT_NAME} Setup"
VIAddVersionKey /LANG=0 "LegalCopyright" "${PUBLISHER}"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_NOAUTOCLOSE

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

; The system's UI language picks one; German (the app's default) otherwise.
!insertmacro MUI_LANGUAGE "German"
!insertmacro MUI_LANGUAGE "English"

LangString NoWebView2 ${LANG_GERMAN} "Hinweis: Die Microsoft-Edge-WebView2-Laufzeit wurde nicht gefunden. ${PRODUCT_NAME} erklärt beim Start, wie sie sich einrichten lässt."
LangString NoWebView2 ${LANG_ENGLISH} "Note: the Microsoft Edge WebView2 runtime was not found. ${PRODUCT_NAME} explains at start how to set it up."
LangString FileInUse ${LANG_GERMAN} "${PRODUCT_NAME} läuft noch. Bitte beenden und erneut versuchen."
LangString FileInUse ${LANG_ENGLISH} "${PRODUCT_NAME} is still running. Please close it and try again."

Section "-Install"
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  SetOverwrite on
  ClearErrors
  File "/oname=${BINARY}" "${EXE_SOURCE}"
  ; The counsellor's tray without a window (src-tauri/tray).
  File "/oname=sprechzimmer-tray.exe" "${AGENT_SOURCE}"
  File "/oname=WebView2Loader.dll" "${LOADER_SOURCE}"
  ${If} ${Errors}
    ; Typically the app is still running. /S installs end with exit code 2.
    MessageBox MB_OK|MB_ICONSTOP "$(FileInUse)" /SD IDOK
    SetErrorLevel 2
    Quit
  ${EndIf}
  WriteUninstaller "$INSTDIR\Uninstall.exe"

  ; The invite-link scheme, for this user only.
  WriteRegStr HKCU "${SCHEME_KEY}" "" "URL:${PRODUCT_NAME}"
  WriteRegStr HKCU "${SCHEME_KEY}" "URL Protocol" ""
  WriteRegStr HKCU "${SCHEME_KEY}\DefaultIcon" "" '"$INSTDIR\${BINARY}",0'
  WriteRegStr HKCU "${SCHEME_KEY}\shell\open\command" "" '"$INSTDIR\${BINARY}" "%1"'

  CreateShortCut "${SHORTCUT}" "$INSTDIR\${BINARY}" "" "$INSTDIR\${BINARY}" 0

  ; One "Apps & features" entry, keyed by the identifier: an upgrade
  ; overwrites it.
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${PRODUCT_NAME}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${PRODUCT_VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" '"$INSTDIR\${BINARY}",0'
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" "$0"

  ; A short note, interactive installs only; never blocks a silent one.
  ${IfNot} ${Silent}
    ReadRegStr $0 HKCU "${WEBVIEW2_CLIENT}" "pv"
    ${If} $0 == ""
    ${OrIf} $0 == "0.0.0.0"
      SetRegView 32
      ReadRegStr $0 HKLM "Software\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}" "pv"
      SetRegView 64
    ${EndIf}
    ${If} $0 == ""
    ${OrIf} $0 == "0.0.0.0"
      MessageBox MB_OK|MB_ICONINFORMATION "$(NoWebView2)" /SD IDOK
    ${EndIf}
  ${EndIf}
SectionEnd

Section "Uninstall"
  SetShellVarContext current
  ; The exe first: if the app still runs, stop before removing anything.
  ${If} ${FileExists} "$INSTDIR\${BINARY}"
    ClearErrors
    Delete "$INSTDIR\${BINARY}"
    ${If} ${Errors}
      MessageBox MB_OK|MB_ICONSTOP "$(FileInUse)" /SD IDOK
      SetErrorLevel 2
      Abort
    ${EndIf}
  ${EndIf}
  ; The tray agent may run on its own (autostart): the same check.
  ${If} ${FileExists} "$INSTDIR\sprechzimmer-tray.exe"
    ClearErrors
    Delete "$INSTDIR\sprechzimmer-tray.exe"
    ${If} ${Errors}
      MessageBox MB_OK|MB_ICONSTOP "$(FileInUse)" /SD IDOK
      SetErrorLevel 2
      Abort
    ${EndIf}
  ${EndIf}
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\Uninstall.exe"
  RMDir "$INSTDIR"
  ; $LOCALAPPDATA\Programs was created by us if this was its only app.
  RMDir "$LOCALAPPDATA\Programs"

  Delete "${SHORTCUT}"

  ; Only our own registration: leave the scheme alone if another copy of
  ; the app (elsewhere) owns it now.
  ReadRegStr $0 HKCU "${SCHEME_KEY}\shell\open\command" ""
  ${If} $0 == '"$INSTDIR\${BINARY}" "%1"'
  ${OrIf} $0 == ""
    DeleteRegKey HKCU "${SCHEME_KEY}"
  ${EndIf}
  DeleteRegKey HKCU "${UNINST_KEY}"

  ; The app's own per-user data (dirs crate: config_dir = %APPDATA%,
  ; cache_dir = %LOCALAPPDATA%): settings, counsellor access, session
  ; leftovers, WebView2 profile.
  RMDir /r "$APPDATA\${IDENTIFIER}"
  RMDir /r "$LOCALAPPDATA\${IDENTIFIER}"
SectionEnd
