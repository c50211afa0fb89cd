package valuation

// RoyaltyRange is a default royalty-rate range for an industry, in percent
// of revenue, used to fill in and sanity-check the valuation form.
type RoyaltyRange struct {
	Industry string `json:"industry"`
	Low      string `json:"low"`
	High     string `json:"high"`
	Typical  string `json:"typical"` // the form's default
	Source   string `json:"source"`
}

// RoyaltySource labels every default range.
const RoyaltySource = "platform_default"

// DefaultRoyaltyRates are the platform's default revenue royalty ranges by
// industry. They are platform defaults, not a published table, and the IP
// office may replace them. How they were set:
//   - DOMAIN.md ("Valuation"): revenue royalties in Chinese patent
//     appraisals run 0.5–10 %, mostly 2–6 %; "general" is that core range.
//   - The ordering between industries follows what licensing-rate surveys
//     commonly report (e.g. R. Parr, "Royalty Rates for Licensing
//     Intellectual Property", and the LES royalty-rate surveys): highest in
//     pharmaceuticals and biotech, lowest in high-volume, low-margin
//     manufacturing such as automotive parts and consumer electronics.
//   - The "25 % rule" of thumb (a licensor gets about a quarter of the
//     licensee's operating profit) gives royalty ≈ 25 % × operating margin:
//     a 10–20 % margin means 2.5–5 % of revenue, a 30–40 % margin (drugs,
//     software) 7.5–10 %. The ranges are kept inside those bounds.
var DefaultRoyaltyRates = []RoyaltyRange{
	{Industry: "general", Low: "2", High: "6", Typical: "4", Source: RoyaltySource},
	{Industry: "pharmaceuticals_biotech", Low: "4", High: "10", Typical: "6", Source: RoyaltySource},
	{Industry: "medical_devices", Low: "3", High: "8", Typical: "5", Source: RoyaltySource},
	{Industry: "software_internet", Low: "3", High: "10", Typical: "5", Source: RoyaltySource},
	{Industry: "chemicals_materials", Low: "2", High: "6", Typical: "3.5", Source: RoyaltySource},
	{Industry: "electronics_semiconductors", Low: "1", High: "5", Typical: "3", Source: RoyaltySource},
	{Industry: "telecommunications", Low: "1", High: "5", Typical: "3", Source: RoyaltySource},
	{Industry: "machinery_equipment", Low: "2", High: "5", Typical: "3", Source: RoyaltySource},
	{Industry: "energy_environment", Low: "2", High: "6", Typical: "3.5", Source: RoyaltySource},
	{Industry: "automotive", Low: "1", High: "4", Typical: "2.5", Source: RoyaltySource},
	{Industry: "consumer_goods", Low: "0.5", High: "5", Typical: "3", Source: RoyaltySource},
	{Industry: "agriculture_food", Low: "1", High: "5", Typical: "3", Source: RoyaltySource},
}

// RoyaltyRangeFor returns the default range of an industry, or the
// "general" range and false if the industry is not in the table.
func RoyaltyRangeFor(industry string) (RoyaltyRange, bool) {
	for _, r := range DefaultRoyaltyRates {
		if r.Industry == industry {
			return r, true
		}
	}
	return DefaultRoyaltyRates[0], false
}
