
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-essregistry' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-essregistry'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kubectl-essregistry' {
            [CompletionResult]::new('--registry-username', '--registry-username', [CompletionResultType]::ParameterName, 'The registry user; the password is read from stdin with --registry-password-stdin')
            [CompletionResult]::new('--registry-ca-file', '--registry-ca-file', [CompletionResultType]::ParameterName, 'A PEM file with a CA for the registry''s certificate, trusted besides the system''s and certs.d''s (repeatable)')
            [CompletionResult]::new('--registry-cert-dir', '--registry-cert-dir', [CompletionResultType]::ParameterName, 'The registry''s certificate folder (*.crt CAs, *.cert with *.key), instead of the certs.d search (skopeo''s --cert-dir)')
            [CompletionResult]::new('--registry-client-cert', '--registry-client-cert', [CompletionResultType]::ParameterName, 'A client certificate (PEM) for registries that require mutual TLS')
            [CompletionResult]::new('--registry-client-key', '--registry-client-key', [CompletionResultType]::ParameterName, 'The private key (PEM: RSA, EC or PKCS#8) of --registry-client-cert')
            [CompletionResult]::new('--registry-timeout', '--registry-timeout', [CompletionResultType]::ParameterName, 'How long one registry request may take')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many images are checked at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: KUBECONFIG, else ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The ESS namespace [default: the context''s namespace, else element-onprem]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The ESS namespace [default: the context''s namespace, else element-onprem]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one Kubernetes API request may take')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use [default: the context''s]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use [default: the context''s]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, instead of the kubeconfig''s')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, instead of the kubeconfig''s')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token for the API server, instead of the kubeconfig user''s credentials')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation; needs the impersonate verb)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as a member of this group (repeatable; with --as)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as the user with this UID (with --as)')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A CA file for the API server''s certificate, instead of the kubeconfig''s')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for the API server')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'The key file of --client-certificate')
            [CompletionResult]::new('--tls-server-name', '--tls-server-name', [CompletionResultType]::ParameterName, 'The name the API server''s certificate is checked against, instead of the server''s host')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--registry-password-stdin', '--registry-password-stdin', [CompletionResultType]::ParameterName, 'Read the registry password from stdin (there is no password flag: it would show in ps and shell history)')
            [CompletionResult]::new('--registry-insecure-skip-tls-verify', '--registry-insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not verify the registry''s TLS certificate (for tests only)')
            [CompletionResult]::new('--registry-plain-http', '--registry-plain-http', [CompletionResultType]::ParameterName, 'Talk to the registry over plain HTTP')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not verify the API server''s certificate (insecure)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set, or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Check every image in the local registry and show what would be written')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Write the images_digests ConfigMap and the pull secret (server-side apply)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Verify the live state end to end: ConfigMap, registry, secret, installer, pods')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('__complete', '__complete', [CompletionResultType]::ParameterValue, 'Completion candidates for `kubectl essregistry <TAB>`, in kubectl''s plugin protocol')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-essregistry;plan' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The installer''s images_digests.yml, its ConfigMap string, or a ConfigMap manifest holding it (''-'' reads stdin)')
            [CompletionResult]::new('--digests', '--digests', [CompletionResultType]::ParameterName, 'The installer''s images_digests.yml, its ConfigMap string, or a ConfigMap manifest holding it (''-'' reads stdin)')
            [CompletionResult]::new('--installer-dir', '--installer-dir', [CompletionResultType]::ParameterName, 'The ESS installer''s folder, searched for images_digests.yml when -f is not given [default: ~/.element-enterprise-server]')
            [CompletionResult]::new('--from-configmap', '--from-configmap', [CompletionResultType]::ParameterName, 'Read images_digests from data.images_digests of this ConfigMap in the namespace, through the kubeconfig context')
            [CompletionResult]::new('--path-prefix', '--path-prefix', [CompletionResultType]::ParameterName, 'A path put in front of every image in the local registry (a Harbor project, say)')
            [CompletionResult]::new('--layout', '--layout', [CompletionResultType]::ParameterName, 'How upstream paths are laid out in the local registry')
            [CompletionResult]::new('--map', '--map', [CompletionResultType]::ParameterName, 'Replace the upstream prefix FROM (server[/path]) by the path TO; the longest FROM wins over --layout')
            [CompletionResult]::new('--digest-mismatch', '--digest-mismatch', [CompletionResultType]::ParameterName, 'What the ConfigMap carries for an image whose local tag has another digest')
            [CompletionResult]::new('--configmap-name', '--configmap-name', [CompletionResultType]::ParameterName, 'The images_digests ConfigMap the installer is told about')
            [CompletionResult]::new('--secret-name', '--secret-name', [CompletionResultType]::ParameterName, 'The docker-registry pull secret the installer is told about')
            [CompletionResult]::new('--registry', '--registry', [CompletionResultType]::ParameterName, 'The local registry every image is pulled from (status: default from the ConfigMap)')
            [CompletionResult]::new('--registry-username', '--registry-username', [CompletionResultType]::ParameterName, 'The registry user; the password is read from stdin with --registry-password-stdin')
            [CompletionResult]::new('--registry-ca-file', '--registry-ca-file', [CompletionResultType]::ParameterName, 'A PEM file with a CA for the registry''s certificate, trusted besides the system''s and certs.d''s (repeatable)')
            [CompletionResult]::new('--registry-cert-dir', '--registry-cert-dir', [CompletionResultType]::ParameterName, 'The registry''s certificate folder (*.crt CAs, *.cert with *.key), instead of the certs.d search (skopeo''s --cert-dir)')
            [CompletionResult]::new('--registry-client-cert', '--registry-client-cert', [CompletionResultType]::ParameterName, 'A client certificate (PEM) for registries that require mutual TLS')
            [CompletionResult]::new('--registry-client-key', '--registry-client-key', [CompletionResultType]::ParameterName, 'The private key (PEM: RSA, EC or PKCS#8) of --registry-client-cert')
            [CompletionResult]::new('--registry-timeout', '--registry-timeout', [CompletionResultType]::ParameterName, 'How long one registry request may take')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many images are checked at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: KUBECONFIG, else ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The ESS namespace [default: the context''s namespace, else element-onprem]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The ESS namespace [default: the context''s namespace, else element-onprem]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one Kubernetes API request may take')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use [default: the context''s]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use [default: the context''s]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, instead of the kubeconfig''s')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, instead of the kubeconfig''s')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token for the API server, instead of the kubeconfig user''s credentials')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation; needs the impersonate verb)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as a member of this group (repeatable; with --as)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as the user with this UID (with --as)')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A CA file for the API server''s certificate, instead of the kubeconfig''s')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for the API server')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'The key file of --client-certificate')
            [CompletionResult]::new('--tls-server-name', '--tls-server-name', [CompletionResultType]::ParameterName, 'The name the API server''s certificate is checked against, instead of the server''s host')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--no-secret', '--no-secret', [CompletionResultType]::ParameterName, 'Write no pull secret (the registry needs none, or it is managed elsewhere)')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Do not read the cluster: no Kubernetes API call at all')
            [CompletionResult]::new('--registry-password-stdin', '--registry-password-stdin', [CompletionResultType]::ParameterName, 'Read the registry password from stdin (there is no password flag: it would show in ps and shell history)')
            [CompletionResult]::new('--registry-insecure-skip-tls-verify', '--registry-insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not verify the registry''s TLS certificate (for tests only)')
            [CompletionResult]::new('--registry-plain-http', '--registry-plain-http', [CompletionResultType]::ParameterName, 'Talk to the registry over plain HTTP')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not verify the API server''s certificate (insecure)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set, or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-essregistry;apply' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The installer''s images_digests.yml, its ConfigMap string, or a ConfigMap manifest holding it (''-'' reads stdin)')
            [CompletionResult]::new('--digests', '--digests', [CompletionResultType]::ParameterName, 'The installer''s images_digests.yml, its ConfigMap string, or a ConfigMap manifest holding it (''-'' reads stdin)')
            [CompletionResult]::new('--installer-dir', '--installer-dir', [CompletionResultType]::ParameterName, 'The ESS installer''s folder, searched for images_digests.yml when -f is not given [default: ~/.element-enterprise-server]')
            [CompletionResult]::new('--from-configmap', '--from-configmap', [CompletionResultType]::ParameterName, 'Read images_digests from data.images_digests of this ConfigMap in the namespace, through the kubeconfig context')
            [CompletionResult]::new('--path-prefix', '--path-prefix', [CompletionResultType]::ParameterName, 'A path put in front of every image in the local registry (a Harbor project, say)')
            [CompletionResult]::new('--layout', '--layout', [CompletionResultType]::ParameterName, 'How upstream paths are laid out in the local registry')
            [CompletionResult]::new('--map', '--map', [CompletionResultType]::ParameterName, 'Replace the upstream prefix FROM (server[/path]) by the path TO; the longest FROM wins over --layout')
            [CompletionResult]::new('--digest-mismatch', '--digest-mismatch', [CompletionResultType]::ParameterName, 'What the ConfigMap carries for an image whose local tag has another digest')
            [CompletionResult]::new('--configmap-name', '--configmap-name', [CompletionResultType]::ParameterName, 'The images_digests ConfigMap the installer is told about')
            [CompletionResult]::new('--secret-name', '--secret-name', [CompletionResultType]::ParameterName, 'The docker-registry pull secret the installer is told about')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'none: write; server: the API server validates and writes nothing; client: print the manifests only')
            [CompletionResult]::new('--registry', '--registry', [CompletionResultType]::ParameterName, 'The local registry every image is pulled from (status: default from the ConfigMap)')
            [CompletionResult]::new('--registry-username', '--registry-username', [CompletionResultType]::ParameterName, 'The registry user; the password is read from stdin with --registry-password-stdin')
            [CompletionResult]::new('--registry-ca-file', '--registry-ca-file', [CompletionResultType]::ParameterName, 'A PEM file with a CA for the registry''s certificate, trusted besides the system''s and certs.d''s (repeatable)')
            [CompletionResult]::new('--registry-cert-dir', '--registry-cert-dir', [CompletionResultType]::ParameterName, 'The registry''s certificate folder (*.crt CAs, *.cert with *.key), instead of the certs.d search (skopeo''s --cert-dir)')
            [CompletionResult]::new('--registry-client-cert', '--registry-client-cert', [CompletionResultType]::ParameterName, 'A client certificate (PEM) for registries that require mutual TLS')
            [CompletionResult]::new('--registry-client-key', '--registry-client-key', [CompletionResultType]::ParameterName, 'The private key (PEM: RSA, EC or PKCS#8) of --registry-client-cert')
            [CompletionResult]::new('--registry-timeout', '--registry-timeout', [CompletionResultType]::ParameterName, 'How long one registry request may take')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many images are checked at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: KUBECONFIG, else ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The ESS namespace [default: the context''s namespace, else element-onprem]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The ESS namespace [default: the context''s namespace, else element-onprem]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one Kubernetes API request may take')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use [default: the context''s]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use [default: the context''s]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, instead of the kubeconfig''s')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, instead of the kubeconfig''s')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token for the API server, instead of the kubeconfig user''s credentials')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation; needs the impersonate verb)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as a member of this group (repeatable; with --as)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as the user with this UID (with --as)')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A CA file for the API server''s certificate, instead of the kubeconfig''s')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for the API server')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'The key file of --client-certificate')
            [CompletionResult]::new('--tls-server-name', '--tls-server-name', [CompletionResultType]::ParameterName, 'The name the API server''s certificate is checked against, instead of the server''s host')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--no-secret', '--no-secret', [CompletionResultType]::ParameterName, 'Write no pull secret (the registry needs none, or it is managed elsewhere)')
            [CompletionResult]::new('--allow-incomplete', '--allow-incomplete', [CompletionResultType]::ParameterName, 'Apply the ready entries even when some images are not ready (the rest keep pulling from upstream)')
            [CompletionResult]::new('--force-conflicts', '--force-conflicts', [CompletionResultType]::ParameterName, 'Take over fields another field manager owns, instead of stopping on the conflict')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Delete and re-create an object that cannot be updated in place (a Secret of another type, an immutable ConfigMap)')
            [CompletionResult]::new('--registry-password-stdin', '--registry-password-stdin', [CompletionResultType]::ParameterName, 'Read the registry password from stdin (there is no password flag: it would show in ps and shell history)')
            [CompletionResult]::new('--registry-insecure-skip-tls-verify', '--registry-insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not verify the registry''s TLS certificate (for tests only)')
            [CompletionResult]::new('--registry-plain-http', '--registry-plain-http', [CompletionResultType]::ParameterName, 'Talk to the registry over plain HTTP')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not verify the API server''s certificate (insecure)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set, or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-essregistry;status' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The installer''s images_digests.yml, its ConfigMap string, or a ConfigMap manifest holding it (''-'' reads stdin)')
            [CompletionResult]::new('--digests', '--digests', [CompletionResultType]::ParameterName, 'The installer''s images_digests.yml, its ConfigMap string, or a ConfigMap manifest holding it (''-'' reads stdin)')
            [CompletionResult]::new('--installer-dir', '--installer-dir', [CompletionResultType]::ParameterName, 'The ESS installer''s folder, searched for images_digests.yml when -f is not given [default: ~/.element-enterprise-server]')
            [CompletionResult]::new('--from-configmap', '--from-configmap', [CompletionResultType]::ParameterName, 'Read images_digests from data.images_digests of this ConfigMap in the namespace, through the kubeconfig context')
            [CompletionResult]::new('--registry', '--registry', [CompletionResultType]::ParameterName, 'The local registry every image is pulled from (status: default from the ConfigMap)')
            [CompletionResult]::new('--path-prefix', '--path-prefix', [CompletionResultType]::ParameterName, 'A path put in front of every image in the local registry (a Harbor project, say)')
            [CompletionResult]::new('--layout', '--layout', [CompletionResultType]::ParameterName, 'How upstream paths are laid out in the local registry')
            [CompletionResult]::new('--map', '--map', [CompletionResultType]::ParameterName, 'Replace the upstream prefix FROM (server[/path]) by the path TO; the longest FROM wins over --layout')
            [CompletionResult]::new('--digest-mismatch', '--digest-mismatch', [CompletionResultType]::ParameterName, 'What the ConfigMap carries for an image whose local tag has another digest')
            [CompletionResult]::new('--configmap-name', '--configmap-name', [CompletionResultType]::ParameterName, 'The images_digests ConfigMap the installer is told about')
            [CompletionResult]::new('--secret-name', '--secret-name', [CompletionResultType]::ParameterName, 'The docker-registry pull secret the installer is told about')
            [CompletionResult]::new('--registry-username', '--registry-username', [CompletionResultType]::ParameterName, 'The registry user; the password is read from stdin with --registry-password-stdin')
            [CompletionResult]::new('--registry-ca-file', '--registry-ca-file', [CompletionResultType]::ParameterName, 'A PEM file with a CA for the registry''s certificate, trusted besides the system''s and certs.d''s (repeatable)')
            [CompletionResult]::new('--registry-cert-dir', '--registry-cert-dir', [CompletionResultType]::ParameterName, 'The registry''s certificate folder (*.crt CAs, *.cert with *.key), instead of the certs.d search (skopeo''s --cert-dir)')
            [CompletionResult]::new('--registry-client-cert', '--registry-client-cert', [CompletionResultType]::ParameterName, 'A client certificate (PEM) for registries that require mutual TLS')
            [CompletionResult]::new('--registry-client-key', '--registry-client-key', [CompletionResultType]::ParameterName, 'The private key (PEM: RSA, EC or PKCS#8) of --registry-client-cert')
            [CompletionResult]::new('--registry-timeout', '--registry-timeout', [CompletionResultType]::ParameterName, 'How long one registry request may take')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many images are checked at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: KUBECONFIG, else ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The ESS namespace [default: the context''s namespace, else element-onprem]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The ESS namespace [default: the context''s namespace, else element-onprem]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one Kubernetes API request may take')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use [default: the context''s]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use [default: the context''s]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, instead of the kubeconfig''s')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, instead of the kubeconfig''s')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token for the API server, instead of the kubeconfig user''s credentials')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation; needs the impersonate verb)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as a member of this group (repeatable; with --as)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as the user with this UID (with --as)')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A CA file for the API server''s certificate, instead of the kubeconfig''s')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for the API server')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'The key file of --client-certificate')
            [CompletionResult]::new('--tls-server-name', '--tls-server-name', [CompletionResultType]::ParameterName, 'The name the API server''s certificate is checked against, instead of the server''s host')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--no-secret', '--no-secret', [CompletionResultType]::ParameterName, 'Write no pull secret (the registry needs none, or it is managed elsewhere)')
            [CompletionResult]::new('--registry-password-stdin', '--registry-password-stdin', [CompletionResultType]::ParameterName, 'Read the registry password from stdin (there is no password flag: it would show in ps and shell history)')
            [CompletionResult]::new('--registry-insecure-skip-tls-verify', '--registry-insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not verify the registry''s TLS certificate (for tests only)')
            [CompletionResult]::new('--registry-plain-http', '--registry-plain-http', [CompletionResultType]::ParameterName, 'Talk to the registry over plain HTTP')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not verify the API server''s certificate (insecure)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set, or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-essregistry;completion' {
            [CompletionResult]::new('--registry-username', '--registry-username', [CompletionResultType]::ParameterName, 'The registry user; the password is read from stdin with --registry-password-stdin')
            [CompletionResult]::new('--registry-ca-file', '--registry-ca-file', [CompletionResultType]::ParameterName, 'A PEM file with a CA for the registry''s certificate, trusted besides the system''s and certs.d''s (repeatable)')
            [CompletionResult]::new('--registry-cert-dir', '--registry-cert-dir', [CompletionResultType]::ParameterName, 'The registry''s certificate folder (*.crt CAs, *.cert with *.key), instead of the certs.d search (skopeo''s --cert-dir)')
            [CompletionResult]::new('--registry-client-cert', '--registry-client-cert', [CompletionResultType]::ParameterName, 'A client certificate (PEM) for registries that require mutual TLS')
            [CompletionResult]::new('--registry-client-key', '--registry-client-key', [CompletionResultType]::ParameterName, 'The private key (PEM: RSA, EC or PKCS#8) of --registry-client-cert')
            [CompletionResult]::new('--registry-timeout', '--registry-timeout', [CompletionResultType]::ParameterName, 'How long one registry request may take')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many images are checked at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: KUBECONFIG, else ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The ESS namespace [default: the context''s namespace, else element-onprem]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The ESS namespace [default: the context''s namespace, else element-onprem]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one Kubernetes API request may take')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use [default: the context''s]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use [default: the context''s]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, instead of the kubeconfig''s')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, instead of the kubeconfig''s')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token for the API server, instead of the kubeconfig user''s credentials')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation; needs the impersonate verb)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as a member of this group (repeatable; with --as)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as the user with this UID (with --as)')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A CA file for the API server''s certificate, instead of the kubeconfig''s')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for the API server')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'The key file of --client-certificate')
            [CompletionResult]::new('--tls-server-name', '--tls-server-name', [CompletionResultType]::ParameterName, 'The name the API server''s certificate is checked against, instead of the server''s host')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--registry-password-stdin', '--registry-password-stdin', [CompletionResultType]::ParameterName, 'Read the registry password from stdin (there is no password flag: it would show in ps and shell history)')
            [CompletionResult]::new('--registry-insecure-skip-tls-verify', '--registry-insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not verify the registry''s TLS certificate (for tests only)')
            [CompletionResult]::new('--registry-plain-http', '--registry-plain-http', [CompletionResultType]::ParameterName, 'Talk to the registry over plain HTTP')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not verify the API server''s certificate (insecure)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set, or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-essregistry;__complete' {
            [CompletionResult]::new('--registry-username', '--registry-username', [CompletionResultType]::ParameterName, 'The registry user; the password is read from stdin with --registry-password-stdin')
            [CompletionResult]::new('--registry-ca-file', '--registry-ca-file', [CompletionResultType]::ParameterName, 'A PEM file with a CA for the registry''s certificate, trusted besides the system''s and certs.d''s (repeatable)')
            [CompletionResult]::new('--registry-cert-dir', '--registry-cert-dir', [CompletionResultType]::ParameterName, 'The registry''s certificate folder (*.crt CAs, *.cert with *.key), instead of the certs.d search (skopeo''s --cert-dir)')
            [CompletionResult]::new('--registry-client-cert', '--registry-client-cert', [CompletionResultType]::ParameterName, 'A client certificate (PEM) for registries that require mutual TLS')
            [CompletionResult]::new('--registry-client-key', '--registry-client-key', [CompletionResultType]::ParameterName, 'The private key (PEM: RSA, EC or PKCS#8) of --registry-client-cert')
            [CompletionResult]::new('--registry-timeout', '--registry-timeout', [CompletionResultType]::ParameterName, 'How long one registry request may take')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many images are checked at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: KUBECONFIG, else ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The ESS namespace [default: the context''s namespace, else element-onprem]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The ESS namespace [default: the context''s namespace, else element-onprem]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one Kubernetes API request may take')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use [default: the context''s]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use [default: the context''s]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, instead of the kubeconfig''s')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, instead of the kubeconfig''s')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token for the API server, instead of the kubeconfig user''s credentials')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation; needs the impersonate verb)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as a member of this group (repeatable; with --as)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as the user with this UID (with --as)')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A CA file for the API server''s certificate, instead of the kubeconfig''s')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for the API server')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'The key file of --client-certificate')
            [CompletionResult]::new('--tls-server-name', '--tls-server-name', [CompletionResultType]::ParameterName, 'The name the API server''s certificate is checked against, instead of the server''s host')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--registry-password-stdin', '--registry-password-stdin', [CompletionResultType]::ParameterName, 'Read the registry password from stdin (there is no password flag: it would show in ps and shell history)')
            [CompletionResult]::new('--registry-insecure-skip-tls-verify', '--registry-insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not verify the registry''s TLS certificate (for tests only)')
            [CompletionResult]::new('--registry-plain-http', '--registry-plain-http', [CompletionResultType]::ParameterName, 'Talk to the registry over plain HTTP')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not verify the API server''s certificate (insecure)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set, or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-essregistry;help' {
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Check every image in the local registry and show what would be written')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Write the images_digests ConfigMap and the pull secret (server-side apply)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Verify the live state end to end: ConfigMap, registry, secret, installer, pods')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('__complete', '__complete', [CompletionResultType]::ParameterValue, 'Completion candidates for `kubectl essregistry <TAB>`, in kubectl''s plugin protocol')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-essregistry;help;plan' {
            break
        }
        'kubectl-essregistry;help;apply' {
            break
        }
        'kubectl-essregistry;help;status' {
            break
        }
        'kubectl-essregistry;help;completion' {
            break
        }
        'kubectl-essregistry;help;__complete' {
            break
        }
        'kubectl-essregistry;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
