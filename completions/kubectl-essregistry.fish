# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_essregistry_global_optspecs
    string join \n f/digests= installer-dir= from-configmap= chart= values= release= source-mirror= set= set-string= set-json= include-disabled registry= path-prefix= layout= map= digest-mismatch= registry-username= registry-password-stdin registry-ca-file= registry-cert-dir= registry-client-cert= registry-client-key= registry-insecure-skip-tls-verify registry-plain-http registry-timeout= concurrency= kubeconfig= context= n/namespace= request-timeout= cluster= user= s/server= token= as= as-group= as-uid= certificate-authority= client-certificate= client-key= tls-server-name= insecure-skip-tls-verify o/output= no-color h/help V/version
end

function __fish_kubectl_essregistry_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_essregistry_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_essregistry_using_subcommand
    set -l cmd (__fish_kubectl_essregistry_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -s f -l digests -d 'The installer\'s images_digests.yml, its ConfigMap string, or a ConfigMap manifest holding it (\'-\' reads stdin)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l installer-dir -d 'The ESS installer\'s folder, searched for images_digests.yml when -f is not given [default: ~/.element-enterprise-server]' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l from-configmap -d 'Read images_digests from data.images_digests of this ConfigMap in the namespace, through the kubeconfig context' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l chart -d 'The matrix-stack Helm chart instead of images_digests: its values.yaml (as helm show values prints it), its archive (as helm pull writes it), or oci://HOST/PATH/NAME (with --version, or :VERSION)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l values -d 'Your own values file, laid over the chart\'s as helm -f lays it (repeatable: later files win)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l release -d 'The deployed Helm release NAME instead of images_digests, read through the kubeconfig context: its chart\'s values with its user values over them' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l source-mirror -d 'Read UPSTREAM\'s images (and an oci:// chart there) from an internal mirror: UPSTREAM=[http://|https://]HOST[:PORT][/PREFIX] (repeatable)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l set -d 'Set a value over the --values files, as helm --set does: a.b=c, a[0]=c, a={x,y}; several separated by commas (repeatable)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l set-string -d 'As --set, every value a string (helm --set-string)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l set-json -d 'As --set, every value JSON (helm --set-json)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l registry -d 'The local registry every image is pulled from (plan, apply: required; mirror: or --to-bundle; status: default from the ConfigMap)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l path-prefix -d 'A path put in front of every image in the local registry (a Harbor project, say)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l layout -d 'How upstream paths are laid out in the local registry' -r -f -a "preserve\t'Keep the upstream path: docker.io/vectorim/element-web -> vectorim/element-web'
source-host\t'Put the upstream host first: docker.io/library/haproxy -> docker.io/library/haproxy'
flat\t'Keep only the last segment, for registries that refuse nested paths: -> element-web'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l map -d 'Replace the upstream prefix FROM (server[/path]) by the path TO; the longest FROM wins over --layout' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l digest-mismatch -d 'What the ConfigMap carries for an image whose local tag has another digest' -r -f -a "fail\t'Nothing yet: the image is not ready and keeps pulling from upstream'
use-local\t'The digest the local registry holds'
drop\t'No digest: the Operator pulls by tag'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l registry-username -d 'The registry user; the password is read from stdin with --registry-password-stdin' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l registry-ca-file -d 'A PEM file with a CA for the registry\'s certificate, trusted besides the system\'s and certs.d\'s (repeatable)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l registry-cert-dir -d 'The registry\'s certificate folder (*.crt CAs, *.cert with *.key), instead of the certs.d search (skopeo\'s --cert-dir)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l registry-client-cert -d 'A client certificate (PEM) for registries that require mutual TLS' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l registry-client-key -d 'The private key (PEM: RSA, EC or PKCS#8) of --registry-client-cert' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l registry-timeout -d 'How long one registry request may take' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l concurrency -d 'How many images are checked at once' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l kubeconfig -d 'The kubeconfig file [default: KUBECONFIG, else ~/.kube/config]' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l context -d 'The kubeconfig context [default: the current context]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -s n -l namespace -d 'The ESS namespace [default: the context\'s namespace, else element-onprem, or default for a chart or release as helm has it]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l request-timeout -d 'How long one Kubernetes API request may take' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l cluster -d 'The kubeconfig cluster to use [default: the context\'s]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l user -d 'The kubeconfig user to use [default: the context\'s]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -s s -l server -d 'The API server\'s address, instead of the kubeconfig\'s' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l token -d 'A bearer token for the API server, instead of the kubeconfig user\'s credentials' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l as -d 'Act as this user (impersonation; needs the impersonate verb)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l as-group -d 'Act as a member of this group (repeatable; with --as)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l as-uid -d 'Act as the user with this UID (with --as)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l certificate-authority -d 'A CA file for the API server\'s certificate, instead of the kubeconfig\'s' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l client-certificate -d 'A client certificate file for the API server' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l client-key -d 'The key file of --client-certificate' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l tls-server-name -d 'The name the API server\'s certificate is checked against, instead of the server\'s host' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -s o -l output -d 'Output format' -r -f -a "table\t'A table for a person, coloured on a terminal'
json\t'The versioned report (apiVersion essregistry/v1) as JSON'
yaml\t'The same report as YAML'
values\t'What is written for the images, alone: the Helm values overlay (--chart, --release), or the ConfigMap\'s images_digests'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l include-disabled -d 'Count, check and mirror the images of components the values disable (enabled: false), for components you may enable later'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l registry-password-stdin -d 'Read the registry password from stdin (there is no password flag: it would show in ps and shell history)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l registry-insecure-skip-tls-verify -d 'Do not verify the registry\'s TLS certificate (for tests only)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l registry-plain-http -d 'Talk to the registry over plain HTTP'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -l no-color -d 'No colours (also when NO_COLOR is set, or stdout is not a terminal)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -f -a "plan" -d 'Check every image in the local registry and show what would be written'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -f -a "apply" -d 'Write the images_digests ConfigMap and the pull secret (server-side apply)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -f -a "status" -d 'Verify the live state end to end: ConfigMap, registry, secret, installer, pods'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -f -a "mirror" -d 'Copy every image into the local registry or a bundle, digests preserved byte for byte'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -f -a "inventory" -d 'List what the local registry holds of the inputs\' images, to carry out of the air gap'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -f -a "prune" -d 'Remove from the local registry what no kept release and no pod uses (a dry run unless --yes)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -f -a "probe" -d 'Say what the local registry does (TLS, auth, uploads, mounts, indexes, path depth, referrers, delete) before the first push'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -f -a "completion" -d 'Print a shell completion script'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -f -a "__complete" -d 'Completion candidates for `kubectl essregistry <TAB>`, in kubectl\'s plugin protocol'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l configmap-name -d 'The images_digests ConfigMap the installer is told about' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l secret-name -d 'The docker-registry pull secret the installer is told about' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l verify-key -d 'An image is ready only when a signature by this public key (PEM, as cosign.pub: ECDSA P-256, RSA or Ed25519) names its pinned digest: a .sig tag or a Sigstore bundle referrer, checked offline (repeatable: any of the keys)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l against -d 'Compare the release with an earlier one (images_digests or bundle, as -f takes it): the images it adds, removes and changes, with bytes' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l have -d 'Compare the release with what `inventory -o yaml` found in the local registry (repeatable): the images it adds, removes and changes, with the bytes to carry' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l version -d 'The chart\'s version, as helm --version takes it: of --chart oci://... (or :VERSION on the reference), or of a bare values.yaml for the printed helm command (an archive or a release carries its own)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -s f -l digests -d 'The installer\'s images_digests.yml, its ConfigMap string, or a ConfigMap manifest holding it (\'-\' reads stdin)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l installer-dir -d 'The ESS installer\'s folder, searched for images_digests.yml when -f is not given [default: ~/.element-enterprise-server]' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l from-configmap -d 'Read images_digests from data.images_digests of this ConfigMap in the namespace, through the kubeconfig context' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l chart -d 'The matrix-stack Helm chart instead of images_digests: its values.yaml (as helm show values prints it), its archive (as helm pull writes it), or oci://HOST/PATH/NAME (with --version, or :VERSION)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l values -d 'Your own values file, laid over the chart\'s as helm -f lays it (repeatable: later files win)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l release -d 'The deployed Helm release NAME instead of images_digests, read through the kubeconfig context: its chart\'s values with its user values over them' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l source-mirror -d 'Read UPSTREAM\'s images (and an oci:// chart there) from an internal mirror: UPSTREAM=[http://|https://]HOST[:PORT][/PREFIX] (repeatable)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l set -d 'Set a value over the --values files, as helm --set does: a.b=c, a[0]=c, a={x,y}; several separated by commas (repeatable)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l set-string -d 'As --set, every value a string (helm --set-string)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l set-json -d 'As --set, every value JSON (helm --set-json)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l registry -d 'The local registry every image is pulled from (plan, apply: required; mirror: or --to-bundle; status: default from the ConfigMap)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l path-prefix -d 'A path put in front of every image in the local registry (a Harbor project, say)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l layout -d 'How upstream paths are laid out in the local registry' -r -f -a "preserve\t'Keep the upstream path: docker.io/vectorim/element-web -> vectorim/element-web'
source-host\t'Put the upstream host first: docker.io/library/haproxy -> docker.io/library/haproxy'
flat\t'Keep only the last segment, for registries that refuse nested paths: -> element-web'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l map -d 'Replace the upstream prefix FROM (server[/path]) by the path TO; the longest FROM wins over --layout' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l digest-mismatch -d 'What the ConfigMap carries for an image whose local tag has another digest' -r -f -a "fail\t'Nothing yet: the image is not ready and keeps pulling from upstream'
use-local\t'The digest the local registry holds'
drop\t'No digest: the Operator pulls by tag'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l registry-username -d 'The registry user; the password is read from stdin with --registry-password-stdin' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l registry-ca-file -d 'A PEM file with a CA for the registry\'s certificate, trusted besides the system\'s and certs.d\'s (repeatable)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l registry-cert-dir -d 'The registry\'s certificate folder (*.crt CAs, *.cert with *.key), instead of the certs.d search (skopeo\'s --cert-dir)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l registry-client-cert -d 'A client certificate (PEM) for registries that require mutual TLS' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l registry-client-key -d 'The private key (PEM: RSA, EC or PKCS#8) of --registry-client-cert' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l registry-timeout -d 'How long one registry request may take' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l concurrency -d 'How many images are checked at once' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l kubeconfig -d 'The kubeconfig file [default: KUBECONFIG, else ~/.kube/config]' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l context -d 'The kubeconfig context [default: the current context]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -s n -l namespace -d 'The ESS namespace [default: the context\'s namespace, else element-onprem, or default for a chart or release as helm has it]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l request-timeout -d 'How long one Kubernetes API request may take' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l cluster -d 'The kubeconfig cluster to use [default: the context\'s]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l user -d 'The kubeconfig user to use [default: the context\'s]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -s s -l server -d 'The API server\'s address, instead of the kubeconfig\'s' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l token -d 'A bearer token for the API server, instead of the kubeconfig user\'s credentials' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l as -d 'Act as this user (impersonation; needs the impersonate verb)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l as-group -d 'Act as a member of this group (repeatable; with --as)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l as-uid -d 'Act as the user with this UID (with --as)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l certificate-authority -d 'A CA file for the API server\'s certificate, instead of the kubeconfig\'s' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l client-certificate -d 'A client certificate file for the API server' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l client-key -d 'The key file of --client-certificate' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l tls-server-name -d 'The name the API server\'s certificate is checked against, instead of the server\'s host' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -s o -l output -d 'Output format' -r -f -a "table\t'A table for a person, coloured on a terminal'
json\t'The versioned report (apiVersion essregistry/v1) as JSON'
yaml\t'The same report as YAML'
values\t'What is written for the images, alone: the Helm values overlay (--chart, --release), or the ConfigMap\'s images_digests'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l no-secret -d 'No pull secret: the registry needs none, or it is managed elsewhere (apply writes none, status expects none)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l offline -d 'Do not read the cluster: no Kubernetes API call at all'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l include-disabled -d 'Count, check and mirror the images of components the values disable (enabled: false), for components you may enable later'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l registry-password-stdin -d 'Read the registry password from stdin (there is no password flag: it would show in ps and shell history)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l registry-insecure-skip-tls-verify -d 'Do not verify the registry\'s TLS certificate (for tests only)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l registry-plain-http -d 'Talk to the registry over plain HTTP'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -l no-color -d 'No colours (also when NO_COLOR is set, or stdout is not a terminal)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l configmap-name -d 'The images_digests ConfigMap the installer is told about' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l secret-name -d 'The docker-registry pull secret the installer is told about' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l dry-run -d 'none: write; server: the API server validates and writes nothing; client: print the manifests only' -r -f -a "none\t''
client\t''
server\t''"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l values-out -d 'With --chart or --release: write the values overlay to FILE, for helm upgrade -f FILE' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l release-name -d 'The Helm release the values are for [default: the one release of matrix-stack in the namespace, else ess]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l chart-ref -d 'The chart as helm reaches it inside the air gap, for the printed command: oci://LOCAL/PATH/matrix-stack, or an archive [default: the --chart archive]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l version -d 'The chart\'s version, as helm --version takes it: of --chart oci://... (or :VERSION on the reference), or of a bare values.yaml for the printed helm command (an archive or a release carries its own)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -s f -l digests -d 'The installer\'s images_digests.yml, its ConfigMap string, or a ConfigMap manifest holding it (\'-\' reads stdin)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l installer-dir -d 'The ESS installer\'s folder, searched for images_digests.yml when -f is not given [default: ~/.element-enterprise-server]' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l from-configmap -d 'Read images_digests from data.images_digests of this ConfigMap in the namespace, through the kubeconfig context' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l chart -d 'The matrix-stack Helm chart instead of images_digests: its values.yaml (as helm show values prints it), its archive (as helm pull writes it), or oci://HOST/PATH/NAME (with --version, or :VERSION)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l values -d 'Your own values file, laid over the chart\'s as helm -f lays it (repeatable: later files win)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l release -d 'The deployed Helm release NAME instead of images_digests, read through the kubeconfig context: its chart\'s values with its user values over them' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l source-mirror -d 'Read UPSTREAM\'s images (and an oci:// chart there) from an internal mirror: UPSTREAM=[http://|https://]HOST[:PORT][/PREFIX] (repeatable)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l set -d 'Set a value over the --values files, as helm --set does: a.b=c, a[0]=c, a={x,y}; several separated by commas (repeatable)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l set-string -d 'As --set, every value a string (helm --set-string)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l set-json -d 'As --set, every value JSON (helm --set-json)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l registry -d 'The local registry every image is pulled from (plan, apply: required; mirror: or --to-bundle; status: default from the ConfigMap)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l path-prefix -d 'A path put in front of every image in the local registry (a Harbor project, say)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l layout -d 'How upstream paths are laid out in the local registry' -r -f -a "preserve\t'Keep the upstream path: docker.io/vectorim/element-web -> vectorim/element-web'
source-host\t'Put the upstream host first: docker.io/library/haproxy -> docker.io/library/haproxy'
flat\t'Keep only the last segment, for registries that refuse nested paths: -> element-web'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l map -d 'Replace the upstream prefix FROM (server[/path]) by the path TO; the longest FROM wins over --layout' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l digest-mismatch -d 'What the ConfigMap carries for an image whose local tag has another digest' -r -f -a "fail\t'Nothing yet: the image is not ready and keeps pulling from upstream'
use-local\t'The digest the local registry holds'
drop\t'No digest: the Operator pulls by tag'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l registry-username -d 'The registry user; the password is read from stdin with --registry-password-stdin' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l registry-ca-file -d 'A PEM file with a CA for the registry\'s certificate, trusted besides the system\'s and certs.d\'s (repeatable)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l registry-cert-dir -d 'The registry\'s certificate folder (*.crt CAs, *.cert with *.key), instead of the certs.d search (skopeo\'s --cert-dir)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l registry-client-cert -d 'A client certificate (PEM) for registries that require mutual TLS' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l registry-client-key -d 'The private key (PEM: RSA, EC or PKCS#8) of --registry-client-cert' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l registry-timeout -d 'How long one registry request may take' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l concurrency -d 'How many images are checked at once' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l kubeconfig -d 'The kubeconfig file [default: KUBECONFIG, else ~/.kube/config]' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l context -d 'The kubeconfig context [default: the current context]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -s n -l namespace -d 'The ESS namespace [default: the context\'s namespace, else element-onprem, or default for a chart or release as helm has it]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l request-timeout -d 'How long one Kubernetes API request may take' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l cluster -d 'The kubeconfig cluster to use [default: the context\'s]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l user -d 'The kubeconfig user to use [default: the context\'s]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -s s -l server -d 'The API server\'s address, instead of the kubeconfig\'s' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l token -d 'A bearer token for the API server, instead of the kubeconfig user\'s credentials' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l as -d 'Act as this user (impersonation; needs the impersonate verb)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l as-group -d 'Act as a member of this group (repeatable; with --as)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l as-uid -d 'Act as the user with this UID (with --as)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l certificate-authority -d 'A CA file for the API server\'s certificate, instead of the kubeconfig\'s' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l client-certificate -d 'A client certificate file for the API server' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l client-key -d 'The key file of --client-certificate' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l tls-server-name -d 'The name the API server\'s certificate is checked against, instead of the server\'s host' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -s o -l output -d 'Output format' -r -f -a "table\t'A table for a person, coloured on a terminal'
json\t'The versioned report (apiVersion essregistry/v1) as JSON'
yaml\t'The same report as YAML'
values\t'What is written for the images, alone: the Helm values overlay (--chart, --release), or the ConfigMap\'s images_digests'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l no-secret -d 'No pull secret: the registry needs none, or it is managed elsewhere (apply writes none, status expects none)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l allow-incomplete -d 'Apply the ready entries even when some images are not ready (the rest keep pulling from upstream)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l force-conflicts -d 'Take over fields another field manager owns, instead of stopping on the conflict'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l force -d 'Delete and re-create an object that cannot be updated in place (a Secret of another type, an immutable ConfigMap)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l include-disabled -d 'Count, check and mirror the images of components the values disable (enabled: false), for components you may enable later'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l registry-password-stdin -d 'Read the registry password from stdin (there is no password flag: it would show in ps and shell history)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l registry-insecure-skip-tls-verify -d 'Do not verify the registry\'s TLS certificate (for tests only)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l registry-plain-http -d 'Talk to the registry over plain HTTP'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -l no-color -d 'No colours (also when NO_COLOR is set, or stdout is not a terminal)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l configmap-name -d 'The images_digests ConfigMap the installer is told about' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l secret-name -d 'The docker-registry pull secret the installer is told about' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l verify-key -d 'An image is ready only when a signature by this public key (PEM, as cosign.pub: ECDSA P-256, RSA or Ed25519) names its pinned digest: a .sig tag or a Sigstore bundle referrer, checked offline (repeatable: any of the keys)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -s f -l digests -d 'The installer\'s images_digests.yml, its ConfigMap string, or a ConfigMap manifest holding it (\'-\' reads stdin)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l installer-dir -d 'The ESS installer\'s folder, searched for images_digests.yml when -f is not given [default: ~/.element-enterprise-server]' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l from-configmap -d 'Read images_digests from data.images_digests of this ConfigMap in the namespace, through the kubeconfig context' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l chart -d 'The matrix-stack Helm chart instead of images_digests: its values.yaml (as helm show values prints it), its archive (as helm pull writes it), or oci://HOST/PATH/NAME (with --version, or :VERSION)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l values -d 'Your own values file, laid over the chart\'s as helm -f lays it (repeatable: later files win)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l release -d 'The deployed Helm release NAME instead of images_digests, read through the kubeconfig context: its chart\'s values with its user values over them' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l source-mirror -d 'Read UPSTREAM\'s images (and an oci:// chart there) from an internal mirror: UPSTREAM=[http://|https://]HOST[:PORT][/PREFIX] (repeatable)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l set -d 'Set a value over the --values files, as helm --set does: a.b=c, a[0]=c, a={x,y}; several separated by commas (repeatable)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l set-string -d 'As --set, every value a string (helm --set-string)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l set-json -d 'As --set, every value JSON (helm --set-json)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l registry -d 'The local registry every image is pulled from (plan, apply: required; mirror: or --to-bundle; status: default from the ConfigMap)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l path-prefix -d 'A path put in front of every image in the local registry (a Harbor project, say)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l layout -d 'How upstream paths are laid out in the local registry' -r -f -a "preserve\t'Keep the upstream path: docker.io/vectorim/element-web -> vectorim/element-web'
source-host\t'Put the upstream host first: docker.io/library/haproxy -> docker.io/library/haproxy'
flat\t'Keep only the last segment, for registries that refuse nested paths: -> element-web'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l map -d 'Replace the upstream prefix FROM (server[/path]) by the path TO; the longest FROM wins over --layout' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l digest-mismatch -d 'What the ConfigMap carries for an image whose local tag has another digest' -r -f -a "fail\t'Nothing yet: the image is not ready and keeps pulling from upstream'
use-local\t'The digest the local registry holds'
drop\t'No digest: the Operator pulls by tag'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l registry-username -d 'The registry user; the password is read from stdin with --registry-password-stdin' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l registry-ca-file -d 'A PEM file with a CA for the registry\'s certificate, trusted besides the system\'s and certs.d\'s (repeatable)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l registry-cert-dir -d 'The registry\'s certificate folder (*.crt CAs, *.cert with *.key), instead of the certs.d search (skopeo\'s --cert-dir)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l registry-client-cert -d 'A client certificate (PEM) for registries that require mutual TLS' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l registry-client-key -d 'The private key (PEM: RSA, EC or PKCS#8) of --registry-client-cert' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l registry-timeout -d 'How long one registry request may take' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l concurrency -d 'How many images are checked at once' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l kubeconfig -d 'The kubeconfig file [default: KUBECONFIG, else ~/.kube/config]' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l context -d 'The kubeconfig context [default: the current context]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -s n -l namespace -d 'The ESS namespace [default: the context\'s namespace, else element-onprem, or default for a chart or release as helm has it]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l request-timeout -d 'How long one Kubernetes API request may take' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l cluster -d 'The kubeconfig cluster to use [default: the context\'s]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l user -d 'The kubeconfig user to use [default: the context\'s]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -s s -l server -d 'The API server\'s address, instead of the kubeconfig\'s' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l token -d 'A bearer token for the API server, instead of the kubeconfig user\'s credentials' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l as -d 'Act as this user (impersonation; needs the impersonate verb)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l as-group -d 'Act as a member of this group (repeatable; with --as)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l as-uid -d 'Act as the user with this UID (with --as)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l certificate-authority -d 'A CA file for the API server\'s certificate, instead of the kubeconfig\'s' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l client-certificate -d 'A client certificate file for the API server' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l client-key -d 'The key file of --client-certificate' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l tls-server-name -d 'The name the API server\'s certificate is checked against, instead of the server\'s host' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -s o -l output -d 'Output format' -r -f -a "table\t'A table for a person, coloured on a terminal'
json\t'The versioned report (apiVersion essregistry/v1) as JSON'
yaml\t'The same report as YAML'
values\t'What is written for the images, alone: the Helm values overlay (--chart, --release), or the ConfigMap\'s images_digests'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l no-secret -d 'No pull secret: the registry needs none, or it is managed elsewhere (apply writes none, status expects none)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l include-disabled -d 'Count, check and mirror the images of components the values disable (enabled: false), for components you may enable later'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l registry-password-stdin -d 'Read the registry password from stdin (there is no password flag: it would show in ps and shell history)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l registry-insecure-skip-tls-verify -d 'Do not verify the registry\'s TLS certificate (for tests only)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l registry-plain-http -d 'Talk to the registry over plain HTTP'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -l no-color -d 'No colours (also when NO_COLOR is set, or stdout is not a terminal)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l to-bundle -d 'Write the images into this bundle instead of a registry: a folder (an OCI image layout), or an archive if PATH ends in .tar, .tar.gz or .tar.zst' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l have -d 'With --to-bundle: leave out the blobs this inventory (written by `inventory` inside the air gap) lists, making a delta bundle; manifests always travel (repeatable). The import checks the left-out blobs first' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l from-bundle -d 'Read the images from this bundle (folder or archive) instead of upstream; -f may name the images_digests when the bundle has none' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l verify-bundle -d 'Copy nothing: check offline that this bundle (folder or archive) holds every image of its images_digests, every manifest and blob matching its digest; exit 0 when complete, 1 when not' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l platform -d 'Copy only this platform of multi-platform images, OS/ARCH[/VARIANT] (repeatable); the trimmed index has another digest' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l version -d 'The chart\'s version, as helm --version takes it: of --chart oci://... (or :VERSION on the reference), or of a bare values.yaml for the printed helm command (an archive or a release carries its own)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l chunk-size -d 'Upload blobs in chunks of SIZE from the first byte (bytes, or with K, M, G: KiB, MiB, GiB; 64K to 1G), for a registry whose limit is known; without it uploads adapt to what the registry takes' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l verify-key -d 'An image is ready only when a signature by this public key (PEM, as cosign.pub: ECDSA P-256, RSA or Ed25519) names its pinned digest: a .sig tag or a Sigstore bundle referrer, checked offline (repeatable: any of the keys)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -s f -l digests -d 'The installer\'s images_digests.yml, its ConfigMap string, or a ConfigMap manifest holding it (\'-\' reads stdin)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l installer-dir -d 'The ESS installer\'s folder, searched for images_digests.yml when -f is not given [default: ~/.element-enterprise-server]' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l from-configmap -d 'Read images_digests from data.images_digests of this ConfigMap in the namespace, through the kubeconfig context' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l chart -d 'The matrix-stack Helm chart instead of images_digests: its values.yaml (as helm show values prints it), its archive (as helm pull writes it), or oci://HOST/PATH/NAME (with --version, or :VERSION)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l values -d 'Your own values file, laid over the chart\'s as helm -f lays it (repeatable: later files win)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l release -d 'The deployed Helm release NAME instead of images_digests, read through the kubeconfig context: its chart\'s values with its user values over them' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l source-mirror -d 'Read UPSTREAM\'s images (and an oci:// chart there) from an internal mirror: UPSTREAM=[http://|https://]HOST[:PORT][/PREFIX] (repeatable)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l set -d 'Set a value over the --values files, as helm --set does: a.b=c, a[0]=c, a={x,y}; several separated by commas (repeatable)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l set-string -d 'As --set, every value a string (helm --set-string)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l set-json -d 'As --set, every value JSON (helm --set-json)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l registry -d 'The local registry every image is pulled from (plan, apply: required; mirror: or --to-bundle; status: default from the ConfigMap)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l path-prefix -d 'A path put in front of every image in the local registry (a Harbor project, say)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l layout -d 'How upstream paths are laid out in the local registry' -r -f -a "preserve\t'Keep the upstream path: docker.io/vectorim/element-web -> vectorim/element-web'
source-host\t'Put the upstream host first: docker.io/library/haproxy -> docker.io/library/haproxy'
flat\t'Keep only the last segment, for registries that refuse nested paths: -> element-web'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l map -d 'Replace the upstream prefix FROM (server[/path]) by the path TO; the longest FROM wins over --layout' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l digest-mismatch -d 'What the ConfigMap carries for an image whose local tag has another digest' -r -f -a "fail\t'Nothing yet: the image is not ready and keeps pulling from upstream'
use-local\t'The digest the local registry holds'
drop\t'No digest: the Operator pulls by tag'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l registry-username -d 'The registry user; the password is read from stdin with --registry-password-stdin' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l registry-ca-file -d 'A PEM file with a CA for the registry\'s certificate, trusted besides the system\'s and certs.d\'s (repeatable)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l registry-cert-dir -d 'The registry\'s certificate folder (*.crt CAs, *.cert with *.key), instead of the certs.d search (skopeo\'s --cert-dir)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l registry-client-cert -d 'A client certificate (PEM) for registries that require mutual TLS' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l registry-client-key -d 'The private key (PEM: RSA, EC or PKCS#8) of --registry-client-cert' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l registry-timeout -d 'How long one registry request may take' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l concurrency -d 'How many images are checked at once' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l kubeconfig -d 'The kubeconfig file [default: KUBECONFIG, else ~/.kube/config]' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l context -d 'The kubeconfig context [default: the current context]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -s n -l namespace -d 'The ESS namespace [default: the context\'s namespace, else element-onprem, or default for a chart or release as helm has it]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l request-timeout -d 'How long one Kubernetes API request may take' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l cluster -d 'The kubeconfig cluster to use [default: the context\'s]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l user -d 'The kubeconfig user to use [default: the context\'s]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -s s -l server -d 'The API server\'s address, instead of the kubeconfig\'s' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l token -d 'A bearer token for the API server, instead of the kubeconfig user\'s credentials' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l as -d 'Act as this user (impersonation; needs the impersonate verb)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l as-group -d 'Act as a member of this group (repeatable; with --as)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l as-uid -d 'Act as the user with this UID (with --as)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l certificate-authority -d 'A CA file for the API server\'s certificate, instead of the kubeconfig\'s' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l client-certificate -d 'A client certificate file for the API server' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l client-key -d 'The key file of --client-certificate' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l tls-server-name -d 'The name the API server\'s certificate is checked against, instead of the server\'s host' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -s o -l output -d 'Output format' -r -f -a "table\t'A table for a person, coloured on a terminal'
json\t'The versioned report (apiVersion essregistry/v1) as JSON'
yaml\t'The same report as YAML'
values\t'What is written for the images, alone: the Helm values overlay (--chart, --release), or the ConfigMap\'s images_digests'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l no-signatures -d 'Leave out what is attached to each image: cosign signatures, attestations, SBOMs (sha256-HEX.sig, .att, .sbom) and OCI 1.1 referrers (cosign v3 bundles among them), with their fallback index (sha256-HEX)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l dry-run -d 'Print what each image would move (bytes, blobs already there) and write nothing'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l include-disabled -d 'Count, check and mirror the images of components the values disable (enabled: false), for components you may enable later'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l registry-password-stdin -d 'Read the registry password from stdin (there is no password flag: it would show in ps and shell history)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l registry-insecure-skip-tls-verify -d 'Do not verify the registry\'s TLS certificate (for tests only)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l registry-plain-http -d 'Talk to the registry over plain HTTP'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -l no-color -d 'No colours (also when NO_COLOR is set, or stdout is not a terminal)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand mirror" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l also -d 'Another images_digests file or bundle whose images to list too, as -f takes it (repeatable: several releases)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l version -d 'The chart\'s version, as helm --version takes it: of --chart oci://... (or :VERSION on the reference), or of a bare values.yaml for the printed helm command (an archive or a release carries its own)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -s f -l digests -d 'The installer\'s images_digests.yml, its ConfigMap string, or a ConfigMap manifest holding it (\'-\' reads stdin)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l installer-dir -d 'The ESS installer\'s folder, searched for images_digests.yml when -f is not given [default: ~/.element-enterprise-server]' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l from-configmap -d 'Read images_digests from data.images_digests of this ConfigMap in the namespace, through the kubeconfig context' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l chart -d 'The matrix-stack Helm chart instead of images_digests: its values.yaml (as helm show values prints it), its archive (as helm pull writes it), or oci://HOST/PATH/NAME (with --version, or :VERSION)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l values -d 'Your own values file, laid over the chart\'s as helm -f lays it (repeatable: later files win)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l release -d 'The deployed Helm release NAME instead of images_digests, read through the kubeconfig context: its chart\'s values with its user values over them' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l source-mirror -d 'Read UPSTREAM\'s images (and an oci:// chart there) from an internal mirror: UPSTREAM=[http://|https://]HOST[:PORT][/PREFIX] (repeatable)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l set -d 'Set a value over the --values files, as helm --set does: a.b=c, a[0]=c, a={x,y}; several separated by commas (repeatable)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l set-string -d 'As --set, every value a string (helm --set-string)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l set-json -d 'As --set, every value JSON (helm --set-json)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l registry -d 'The local registry every image is pulled from (plan, apply: required; mirror: or --to-bundle; status: default from the ConfigMap)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l path-prefix -d 'A path put in front of every image in the local registry (a Harbor project, say)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l layout -d 'How upstream paths are laid out in the local registry' -r -f -a "preserve\t'Keep the upstream path: docker.io/vectorim/element-web -> vectorim/element-web'
source-host\t'Put the upstream host first: docker.io/library/haproxy -> docker.io/library/haproxy'
flat\t'Keep only the last segment, for registries that refuse nested paths: -> element-web'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l map -d 'Replace the upstream prefix FROM (server[/path]) by the path TO; the longest FROM wins over --layout' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l digest-mismatch -d 'What the ConfigMap carries for an image whose local tag has another digest' -r -f -a "fail\t'Nothing yet: the image is not ready and keeps pulling from upstream'
use-local\t'The digest the local registry holds'
drop\t'No digest: the Operator pulls by tag'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l registry-username -d 'The registry user; the password is read from stdin with --registry-password-stdin' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l registry-ca-file -d 'A PEM file with a CA for the registry\'s certificate, trusted besides the system\'s and certs.d\'s (repeatable)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l registry-cert-dir -d 'The registry\'s certificate folder (*.crt CAs, *.cert with *.key), instead of the certs.d search (skopeo\'s --cert-dir)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l registry-client-cert -d 'A client certificate (PEM) for registries that require mutual TLS' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l registry-client-key -d 'The private key (PEM: RSA, EC or PKCS#8) of --registry-client-cert' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l registry-timeout -d 'How long one registry request may take' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l concurrency -d 'How many images are checked at once' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l kubeconfig -d 'The kubeconfig file [default: KUBECONFIG, else ~/.kube/config]' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l context -d 'The kubeconfig context [default: the current context]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -s n -l namespace -d 'The ESS namespace [default: the context\'s namespace, else element-onprem, or default for a chart or release as helm has it]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l request-timeout -d 'How long one Kubernetes API request may take' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l cluster -d 'The kubeconfig cluster to use [default: the context\'s]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l user -d 'The kubeconfig user to use [default: the context\'s]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -s s -l server -d 'The API server\'s address, instead of the kubeconfig\'s' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l token -d 'A bearer token for the API server, instead of the kubeconfig user\'s credentials' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l as -d 'Act as this user (impersonation; needs the impersonate verb)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l as-group -d 'Act as a member of this group (repeatable; with --as)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l as-uid -d 'Act as the user with this UID (with --as)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l certificate-authority -d 'A CA file for the API server\'s certificate, instead of the kubeconfig\'s' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l client-certificate -d 'A client certificate file for the API server' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l client-key -d 'The key file of --client-certificate' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l tls-server-name -d 'The name the API server\'s certificate is checked against, instead of the server\'s host' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -s o -l output -d 'Output format' -r -f -a "table\t'A table for a person, coloured on a terminal'
json\t'The versioned report (apiVersion essregistry/v1) as JSON'
yaml\t'The same report as YAML'
values\t'What is written for the images, alone: the Helm values overlay (--chart, --release), or the ConfigMap\'s images_digests'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l include-disabled -d 'Count, check and mirror the images of components the values disable (enabled: false), for components you may enable later'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l registry-password-stdin -d 'Read the registry password from stdin (there is no password flag: it would show in ps and shell history)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l registry-insecure-skip-tls-verify -d 'Do not verify the registry\'s TLS certificate (for tests only)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l registry-plain-http -d 'Talk to the registry over plain HTTP'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -l no-color -d 'No colours (also when NO_COLOR is set, or stdout is not a terminal)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand inventory" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l keep -d 'Another release to keep (for rollback): an images_digests file or bundle, as -f takes it (repeatable)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l old -d 'An older release whose repositories are searched too (what it pins is not kept) (repeatable)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l version -d 'The chart\'s version, as helm --version takes it: of --chart oci://... (or :VERSION on the reference), or of a bare values.yaml for the printed helm command (an archive or a release carries its own)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -s f -l digests -d 'The installer\'s images_digests.yml, its ConfigMap string, or a ConfigMap manifest holding it (\'-\' reads stdin)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l installer-dir -d 'The ESS installer\'s folder, searched for images_digests.yml when -f is not given [default: ~/.element-enterprise-server]' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l from-configmap -d 'Read images_digests from data.images_digests of this ConfigMap in the namespace, through the kubeconfig context' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l chart -d 'The matrix-stack Helm chart instead of images_digests: its values.yaml (as helm show values prints it), its archive (as helm pull writes it), or oci://HOST/PATH/NAME (with --version, or :VERSION)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l values -d 'Your own values file, laid over the chart\'s as helm -f lays it (repeatable: later files win)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l release -d 'The deployed Helm release NAME instead of images_digests, read through the kubeconfig context: its chart\'s values with its user values over them' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l source-mirror -d 'Read UPSTREAM\'s images (and an oci:// chart there) from an internal mirror: UPSTREAM=[http://|https://]HOST[:PORT][/PREFIX] (repeatable)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l set -d 'Set a value over the --values files, as helm --set does: a.b=c, a[0]=c, a={x,y}; several separated by commas (repeatable)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l set-string -d 'As --set, every value a string (helm --set-string)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l set-json -d 'As --set, every value JSON (helm --set-json)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l registry -d 'The local registry every image is pulled from (plan, apply: required; mirror: or --to-bundle; status: default from the ConfigMap)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l path-prefix -d 'A path put in front of every image in the local registry (a Harbor project, say)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l layout -d 'How upstream paths are laid out in the local registry' -r -f -a "preserve\t'Keep the upstream path: docker.io/vectorim/element-web -> vectorim/element-web'
source-host\t'Put the upstream host first: docker.io/library/haproxy -> docker.io/library/haproxy'
flat\t'Keep only the last segment, for registries that refuse nested paths: -> element-web'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l map -d 'Replace the upstream prefix FROM (server[/path]) by the path TO; the longest FROM wins over --layout' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l digest-mismatch -d 'What the ConfigMap carries for an image whose local tag has another digest' -r -f -a "fail\t'Nothing yet: the image is not ready and keeps pulling from upstream'
use-local\t'The digest the local registry holds'
drop\t'No digest: the Operator pulls by tag'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l registry-username -d 'The registry user; the password is read from stdin with --registry-password-stdin' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l registry-ca-file -d 'A PEM file with a CA for the registry\'s certificate, trusted besides the system\'s and certs.d\'s (repeatable)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l registry-cert-dir -d 'The registry\'s certificate folder (*.crt CAs, *.cert with *.key), instead of the certs.d search (skopeo\'s --cert-dir)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l registry-client-cert -d 'A client certificate (PEM) for registries that require mutual TLS' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l registry-client-key -d 'The private key (PEM: RSA, EC or PKCS#8) of --registry-client-cert' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l registry-timeout -d 'How long one registry request may take' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l concurrency -d 'How many images are checked at once' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l kubeconfig -d 'The kubeconfig file [default: KUBECONFIG, else ~/.kube/config]' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l context -d 'The kubeconfig context [default: the current context]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -s n -l namespace -d 'The ESS namespace [default: the context\'s namespace, else element-onprem, or default for a chart or release as helm has it]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l request-timeout -d 'How long one Kubernetes API request may take' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l cluster -d 'The kubeconfig cluster to use [default: the context\'s]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l user -d 'The kubeconfig user to use [default: the context\'s]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -s s -l server -d 'The API server\'s address, instead of the kubeconfig\'s' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l token -d 'A bearer token for the API server, instead of the kubeconfig user\'s credentials' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l as -d 'Act as this user (impersonation; needs the impersonate verb)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l as-group -d 'Act as a member of this group (repeatable; with --as)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l as-uid -d 'Act as the user with this UID (with --as)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l certificate-authority -d 'A CA file for the API server\'s certificate, instead of the kubeconfig\'s' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l client-certificate -d 'A client certificate file for the API server' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l client-key -d 'The key file of --client-certificate' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l tls-server-name -d 'The name the API server\'s certificate is checked against, instead of the server\'s host' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -s o -l output -d 'Output format' -r -f -a "table\t'A table for a person, coloured on a terminal'
json\t'The versioned report (apiVersion essregistry/v1) as JSON'
yaml\t'The same report as YAML'
values\t'What is written for the images, alone: the Helm values overlay (--chart, --release), or the ConfigMap\'s images_digests'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l yes -d 'Delete what is unused; without it, only list it'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l offline -d 'Do not read the cluster\'s pods (what a pod runs is then not known, and not kept for that)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l include-disabled -d 'Count, check and mirror the images of components the values disable (enabled: false), for components you may enable later'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l registry-password-stdin -d 'Read the registry password from stdin (there is no password flag: it would show in ps and shell history)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l registry-insecure-skip-tls-verify -d 'Do not verify the registry\'s TLS certificate (for tests only)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l registry-plain-http -d 'Talk to the registry over plain HTTP'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -l no-color -d 'No colours (also when NO_COLOR is set, or stdout is not a terminal)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -s f -l digests -d 'The installer\'s images_digests.yml, its ConfigMap string, or a ConfigMap manifest holding it (\'-\' reads stdin)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l installer-dir -d 'The ESS installer\'s folder, searched for images_digests.yml when -f is not given [default: ~/.element-enterprise-server]' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l from-configmap -d 'Read images_digests from data.images_digests of this ConfigMap in the namespace, through the kubeconfig context' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l chart -d 'The matrix-stack Helm chart instead of images_digests: its values.yaml (as helm show values prints it), its archive (as helm pull writes it), or oci://HOST/PATH/NAME (with --version, or :VERSION)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l values -d 'Your own values file, laid over the chart\'s as helm -f lays it (repeatable: later files win)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l release -d 'The deployed Helm release NAME instead of images_digests, read through the kubeconfig context: its chart\'s values with its user values over them' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l source-mirror -d 'Read UPSTREAM\'s images (and an oci:// chart there) from an internal mirror: UPSTREAM=[http://|https://]HOST[:PORT][/PREFIX] (repeatable)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l set -d 'Set a value over the --values files, as helm --set does: a.b=c, a[0]=c, a={x,y}; several separated by commas (repeatable)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l set-string -d 'As --set, every value a string (helm --set-string)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l set-json -d 'As --set, every value JSON (helm --set-json)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l registry -d 'The local registry every image is pulled from (plan, apply: required; mirror: or --to-bundle; status: default from the ConfigMap)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l path-prefix -d 'A path put in front of every image in the local registry (a Harbor project, say)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l layout -d 'How upstream paths are laid out in the local registry' -r -f -a "preserve\t'Keep the upstream path: docker.io/vectorim/element-web -> vectorim/element-web'
source-host\t'Put the upstream host first: docker.io/library/haproxy -> docker.io/library/haproxy'
flat\t'Keep only the last segment, for registries that refuse nested paths: -> element-web'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l map -d 'Replace the upstream prefix FROM (server[/path]) by the path TO; the longest FROM wins over --layout' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l digest-mismatch -d 'What the ConfigMap carries for an image whose local tag has another digest' -r -f -a "fail\t'Nothing yet: the image is not ready and keeps pulling from upstream'
use-local\t'The digest the local registry holds'
drop\t'No digest: the Operator pulls by tag'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l registry-username -d 'The registry user; the password is read from stdin with --registry-password-stdin' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l registry-ca-file -d 'A PEM file with a CA for the registry\'s certificate, trusted besides the system\'s and certs.d\'s (repeatable)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l registry-cert-dir -d 'The registry\'s certificate folder (*.crt CAs, *.cert with *.key), instead of the certs.d search (skopeo\'s --cert-dir)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l registry-client-cert -d 'A client certificate (PEM) for registries that require mutual TLS' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l registry-client-key -d 'The private key (PEM: RSA, EC or PKCS#8) of --registry-client-cert' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l registry-timeout -d 'How long one registry request may take' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l concurrency -d 'How many images are checked at once' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l kubeconfig -d 'The kubeconfig file [default: KUBECONFIG, else ~/.kube/config]' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l context -d 'The kubeconfig context [default: the current context]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -s n -l namespace -d 'The ESS namespace [default: the context\'s namespace, else element-onprem, or default for a chart or release as helm has it]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l request-timeout -d 'How long one Kubernetes API request may take' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l cluster -d 'The kubeconfig cluster to use [default: the context\'s]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l user -d 'The kubeconfig user to use [default: the context\'s]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -s s -l server -d 'The API server\'s address, instead of the kubeconfig\'s' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l token -d 'A bearer token for the API server, instead of the kubeconfig user\'s credentials' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l as -d 'Act as this user (impersonation; needs the impersonate verb)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l as-group -d 'Act as a member of this group (repeatable; with --as)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l as-uid -d 'Act as the user with this UID (with --as)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l certificate-authority -d 'A CA file for the API server\'s certificate, instead of the kubeconfig\'s' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l client-certificate -d 'A client certificate file for the API server' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l client-key -d 'The key file of --client-certificate' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l tls-server-name -d 'The name the API server\'s certificate is checked against, instead of the server\'s host' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -s o -l output -d 'Output format' -r -f -a "table\t'A table for a person, coloured on a terminal'
json\t'The versioned report (apiVersion essregistry/v1) as JSON'
yaml\t'The same report as YAML'
values\t'What is written for the images, alone: the Helm values overlay (--chart, --release), or the ConfigMap\'s images_digests'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l write -d 'Push throwaway images of a few small generated blobs under <path-prefix>/essregistry-probe to learn what needs a write, and delete them where the registry allows'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l include-disabled -d 'Count, check and mirror the images of components the values disable (enabled: false), for components you may enable later'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l registry-password-stdin -d 'Read the registry password from stdin (there is no password flag: it would show in ps and shell history)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l registry-insecure-skip-tls-verify -d 'Do not verify the registry\'s TLS certificate (for tests only)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l registry-plain-http -d 'Talk to the registry over plain HTTP'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -l no-color -d 'No colours (also when NO_COLOR is set, or stdout is not a terminal)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand probe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -s f -l digests -d 'The installer\'s images_digests.yml, its ConfigMap string, or a ConfigMap manifest holding it (\'-\' reads stdin)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l installer-dir -d 'The ESS installer\'s folder, searched for images_digests.yml when -f is not given [default: ~/.element-enterprise-server]' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l from-configmap -d 'Read images_digests from data.images_digests of this ConfigMap in the namespace, through the kubeconfig context' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l chart -d 'The matrix-stack Helm chart instead of images_digests: its values.yaml (as helm show values prints it), its archive (as helm pull writes it), or oci://HOST/PATH/NAME (with --version, or :VERSION)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l values -d 'Your own values file, laid over the chart\'s as helm -f lays it (repeatable: later files win)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l release -d 'The deployed Helm release NAME instead of images_digests, read through the kubeconfig context: its chart\'s values with its user values over them' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l source-mirror -d 'Read UPSTREAM\'s images (and an oci:// chart there) from an internal mirror: UPSTREAM=[http://|https://]HOST[:PORT][/PREFIX] (repeatable)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l set -d 'Set a value over the --values files, as helm --set does: a.b=c, a[0]=c, a={x,y}; several separated by commas (repeatable)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l set-string -d 'As --set, every value a string (helm --set-string)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l set-json -d 'As --set, every value JSON (helm --set-json)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l registry -d 'The local registry every image is pulled from (plan, apply: required; mirror: or --to-bundle; status: default from the ConfigMap)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l path-prefix -d 'A path put in front of every image in the local registry (a Harbor project, say)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l layout -d 'How upstream paths are laid out in the local registry' -r -f -a "preserve\t'Keep the upstream path: docker.io/vectorim/element-web -> vectorim/element-web'
source-host\t'Put the upstream host first: docker.io/library/haproxy -> docker.io/library/haproxy'
flat\t'Keep only the last segment, for registries that refuse nested paths: -> element-web'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l map -d 'Replace the upstream prefix FROM (server[/path]) by the path TO; the longest FROM wins over --layout' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l digest-mismatch -d 'What the ConfigMap carries for an image whose local tag has another digest' -r -f -a "fail\t'Nothing yet: the image is not ready and keeps pulling from upstream'
use-local\t'The digest the local registry holds'
drop\t'No digest: the Operator pulls by tag'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l registry-username -d 'The registry user; the password is read from stdin with --registry-password-stdin' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l registry-ca-file -d 'A PEM file with a CA for the registry\'s certificate, trusted besides the system\'s and certs.d\'s (repeatable)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l registry-cert-dir -d 'The registry\'s certificate folder (*.crt CAs, *.cert with *.key), instead of the certs.d search (skopeo\'s --cert-dir)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l registry-client-cert -d 'A client certificate (PEM) for registries that require mutual TLS' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l registry-client-key -d 'The private key (PEM: RSA, EC or PKCS#8) of --registry-client-cert' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l registry-timeout -d 'How long one registry request may take' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l concurrency -d 'How many images are checked at once' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l kubeconfig -d 'The kubeconfig file [default: KUBECONFIG, else ~/.kube/config]' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l context -d 'The kubeconfig context [default: the current context]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -s n -l namespace -d 'The ESS namespace [default: the context\'s namespace, else element-onprem, or default for a chart or release as helm has it]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l request-timeout -d 'How long one Kubernetes API request may take' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l cluster -d 'The kubeconfig cluster to use [default: the context\'s]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l user -d 'The kubeconfig user to use [default: the context\'s]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -s s -l server -d 'The API server\'s address, instead of the kubeconfig\'s' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l token -d 'A bearer token for the API server, instead of the kubeconfig user\'s credentials' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l as -d 'Act as this user (impersonation; needs the impersonate verb)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l as-group -d 'Act as a member of this group (repeatable; with --as)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l as-uid -d 'Act as the user with this UID (with --as)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l certificate-authority -d 'A CA file for the API server\'s certificate, instead of the kubeconfig\'s' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l client-certificate -d 'A client certificate file for the API server' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l client-key -d 'The key file of --client-certificate' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l tls-server-name -d 'The name the API server\'s certificate is checked against, instead of the server\'s host' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -s o -l output -d 'Output format' -r -f -a "table\t'A table for a person, coloured on a terminal'
json\t'The versioned report (apiVersion essregistry/v1) as JSON'
yaml\t'The same report as YAML'
values\t'What is written for the images, alone: the Helm values overlay (--chart, --release), or the ConfigMap\'s images_digests'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l include-disabled -d 'Count, check and mirror the images of components the values disable (enabled: false), for components you may enable later'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l registry-password-stdin -d 'Read the registry password from stdin (there is no password flag: it would show in ps and shell history)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l registry-insecure-skip-tls-verify -d 'Do not verify the registry\'s TLS certificate (for tests only)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l registry-plain-http -d 'Talk to the registry over plain HTTP'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -l no-color -d 'No colours (also when NO_COLOR is set, or stdout is not a terminal)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand completion" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -s f -l digests -d 'The installer\'s images_digests.yml, its ConfigMap string, or a ConfigMap manifest holding it (\'-\' reads stdin)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l installer-dir -d 'The ESS installer\'s folder, searched for images_digests.yml when -f is not given [default: ~/.element-enterprise-server]' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l from-configmap -d 'Read images_digests from data.images_digests of this ConfigMap in the namespace, through the kubeconfig context' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l chart -d 'The matrix-stack Helm chart instead of images_digests: its values.yaml (as helm show values prints it), its archive (as helm pull writes it), or oci://HOST/PATH/NAME (with --version, or :VERSION)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l values -d 'Your own values file, laid over the chart\'s as helm -f lays it (repeatable: later files win)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l release -d 'The deployed Helm release NAME instead of images_digests, read through the kubeconfig context: its chart\'s values with its user values over them' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l source-mirror -d 'Read UPSTREAM\'s images (and an oci:// chart there) from an internal mirror: UPSTREAM=[http://|https://]HOST[:PORT][/PREFIX] (repeatable)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l set -d 'Set a value over the --values files, as helm --set does: a.b=c, a[0]=c, a={x,y}; several separated by commas (repeatable)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l set-string -d 'As --set, every value a string (helm --set-string)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l set-json -d 'As --set, every value JSON (helm --set-json)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l registry -d 'The local registry every image is pulled from (plan, apply: required; mirror: or --to-bundle; status: default from the ConfigMap)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l path-prefix -d 'A path put in front of every image in the local registry (a Harbor project, say)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l layout -d 'How upstream paths are laid out in the local registry' -r -f -a "preserve\t'Keep the upstream path: docker.io/vectorim/element-web -> vectorim/element-web'
source-host\t'Put the upstream host first: docker.io/library/haproxy -> docker.io/library/haproxy'
flat\t'Keep only the last segment, for registries that refuse nested paths: -> element-web'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l map -d 'Replace the upstream prefix FROM (server[/path]) by the path TO; the longest FROM wins over --layout' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l digest-mismatch -d 'What the ConfigMap carries for an image whose local tag has another digest' -r -f -a "fail\t'Nothing yet: the image is not ready and keeps pulling from upstream'
use-local\t'The digest the local registry holds'
drop\t'No digest: the Operator pulls by tag'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l registry-username -d 'The registry user; the password is read from stdin with --registry-password-stdin' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l registry-ca-file -d 'A PEM file with a CA for the registry\'s certificate, trusted besides the system\'s and certs.d\'s (repeatable)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l registry-cert-dir -d 'The registry\'s certificate folder (*.crt CAs, *.cert with *.key), instead of the certs.d search (skopeo\'s --cert-dir)' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l registry-client-cert -d 'A client certificate (PEM) for registries that require mutual TLS' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l registry-client-key -d 'The private key (PEM: RSA, EC or PKCS#8) of --registry-client-cert' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l registry-timeout -d 'How long one registry request may take' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l concurrency -d 'How many images are checked at once' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l kubeconfig -d 'The kubeconfig file [default: KUBECONFIG, else ~/.kube/config]' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l context -d 'The kubeconfig context [default: the current context]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -s n -l namespace -d 'The ESS namespace [default: the context\'s namespace, else element-onprem, or default for a chart or release as helm has it]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l request-timeout -d 'How long one Kubernetes API request may take' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l cluster -d 'The kubeconfig cluster to use [default: the context\'s]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l user -d 'The kubeconfig user to use [default: the context\'s]' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -s s -l server -d 'The API server\'s address, instead of the kubeconfig\'s' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l token -d 'A bearer token for the API server, instead of the kubeconfig user\'s credentials' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l as -d 'Act as this user (impersonation; needs the impersonate verb)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l as-group -d 'Act as a member of this group (repeatable; with --as)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l as-uid -d 'Act as the user with this UID (with --as)' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l certificate-authority -d 'A CA file for the API server\'s certificate, instead of the kubeconfig\'s' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l client-certificate -d 'A client certificate file for the API server' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l client-key -d 'The key file of --client-certificate' -r -F
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l tls-server-name -d 'The name the API server\'s certificate is checked against, instead of the server\'s host' -r
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -s o -l output -d 'Output format' -r -f -a "table\t'A table for a person, coloured on a terminal'
json\t'The versioned report (apiVersion essregistry/v1) as JSON'
yaml\t'The same report as YAML'
values\t'What is written for the images, alone: the Helm values overlay (--chart, --release), or the ConfigMap\'s images_digests'"
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l include-disabled -d 'Count, check and mirror the images of components the values disable (enabled: false), for components you may enable later'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l registry-password-stdin -d 'Read the registry password from stdin (there is no password flag: it would show in ps and shell history)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l registry-insecure-skip-tls-verify -d 'Do not verify the registry\'s TLS certificate (for tests only)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l registry-plain-http -d 'Talk to the registry over plain HTTP'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -l no-color -d 'No colours (also when NO_COLOR is set, or stdout is not a terminal)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand __complete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand help; and not __fish_seen_subcommand_from plan apply status mirror inventory prune probe completion __complete help" -f -a "plan" -d 'Check every image in the local registry and show what would be written'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand help; and not __fish_seen_subcommand_from plan apply status mirror inventory prune probe completion __complete help" -f -a "apply" -d 'Write the images_digests ConfigMap and the pull secret (server-side apply)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand help; and not __fish_seen_subcommand_from plan apply status mirror inventory prune probe completion __complete help" -f -a "status" -d 'Verify the live state end to end: ConfigMap, registry, secret, installer, pods'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand help; and not __fish_seen_subcommand_from plan apply status mirror inventory prune probe completion __complete help" -f -a "mirror" -d 'Copy every image into the local registry or a bundle, digests preserved byte for byte'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand help; and not __fish_seen_subcommand_from plan apply status mirror inventory prune probe completion __complete help" -f -a "inventory" -d 'List what the local registry holds of the inputs\' images, to carry out of the air gap'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand help; and not __fish_seen_subcommand_from plan apply status mirror inventory prune probe completion __complete help" -f -a "prune" -d 'Remove from the local registry what no kept release and no pod uses (a dry run unless --yes)'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand help; and not __fish_seen_subcommand_from plan apply status mirror inventory prune probe completion __complete help" -f -a "probe" -d 'Say what the local registry does (TLS, auth, uploads, mounts, indexes, path depth, referrers, delete) before the first push'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand help; and not __fish_seen_subcommand_from plan apply status mirror inventory prune probe completion __complete help" -f -a "completion" -d 'Print a shell completion script'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand help; and not __fish_seen_subcommand_from plan apply status mirror inventory prune probe completion __complete help" -f -a "__complete" -d 'Completion candidates for `kubectl essregistry <TAB>`, in kubectl\'s plugin protocol'
complete -c kubectl-essregistry -n "__fish_kubectl_essregistry_using_subcommand help; and not __fish_seen_subcommand_from plan apply status mirror inventory prune probe completion __complete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
