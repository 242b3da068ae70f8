package ec2fake

import "sort"

type keyPairXML struct {
	KeyPairID   string `xml:"keyPairId"`
	KeyName     string `xml:"keyName"`
	Fingerprint string `xml:"keyFingerprint"`
	KeyType     string `xml:"keyType"`
}

type describeKeyPairsResponse struct {
	reply
	Keys []keyPairXML `xml:"keySet>item"`
}

// describeKeyPairs answers DescribeKeyPairs: every key pair, or those
// named by KeyName.N (InvalidKeyPair.NotFound for one it lacks). EC2
// pages no key pairs.
func (s *Server) describeKeyPairs(f form) (any, error) {
	names := f.list("KeyName")
	for _, n := range names {
		if s.keys[n] == nil {
			return nil, clientError("InvalidKeyPair.NotFound", "The key pair '%s' does not exist", n)
		}
	}
	out := &describeKeyPairsResponse{}
	for _, k := range s.keys {
		if len(names) == 0 || matchAny(k.name, names) {
			out.Keys = append(out.Keys, keyPairXML{KeyPairID: k.id, KeyName: k.name, Fingerprint: k.fingerprint, KeyType: "rsa"})
		}
	}
	sort.Slice(out.Keys, func(i, j int) bool { return out.Keys[i].KeyName < out.Keys[j].KeyName })
	return out, nil
}
