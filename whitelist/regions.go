package whitelist

// regionNames holds the readable names of the division codes this
// province's firms carry (GB/T 2260): the provinces, and Shanxi's cities.
var regionNames = map[string]string{
	"110000": "北京市", "120000": "天津市", "130000": "河北省", "140000": "山西省", "150000": "内蒙古自治区",
	"210000": "辽宁省", "220000": "吉林省", "230000": "黑龙江省", "310000": "上海市", "320000": "江苏省",
	"330000": "浙江省", "340000": "安徽省", "350000": "福建省", "360000": "江西省", "370000": "山东省",
	"410000": "河南省", "420000": "湖北省", "430000": "湖南省", "440000": "广东省", "450000": "广西壮族自治区",
	"460000": "海南省", "500000": "重庆市", "510000": "四川省", "520000": "贵州省", "530000": "云南省",
	"540000": "西藏自治区", "610000": "陕西省", "620000": "甘肃省", "630000": "青海省", "640000": "宁夏回族自治区",
	"650000": "新疆维吾尔自治区",
	"140100": "山西省太原市", "140200": "山西省大同市", "140300": "山西省阳泉市", "140400": "山西省长治市",
	"140500": "山西省晋城市", "140600": "山西省朔州市", "140700": "山西省晋中市", "140800": "山西省运城市",
	"140900": "山西省忻州市", "141000": "山西省临汾市", "141100": "山西省吕梁市",
}

// RegionName returns the readable name of a division code: the city where
// known, else its province, else "".
func RegionName(code string) string {
	if len(code) != 6 {
		return ""
	}
	if n, ok := regionNames[code]; ok {
		return n
	}
	if n, ok := regionNames[code[:4]+"00"]; ok {
		return n
	}
	return regionNames[code[:2]+"0000"]
}
